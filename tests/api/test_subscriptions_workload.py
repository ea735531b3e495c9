"""``agentWorkload`` over WebSocket, as a staff dashboard uses it: an update each
time an agent's load or availability changes, with the numbers as they are now;
only the teams the token may follow; resumable."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain import directory, tickets
from domain.enums import Role, TicketStatus
from tests.api.live_server import LiveServer, live_server, receive, transport_ws
from tests.api.test_subscriptions import bearer, settle, subscribe
from tests.factories import (
    ADMIN,
    ManualClock,
    as_agent,
    create_agent,
    create_customer,
    create_team,
    create_ticket,
    gid,
    token_for,
)

WORKLOAD = """subscription($team: ID, $after: String) {
  agentWorkload(teamId: $team, after: $after) {
    position kind ticketId data currentTicketCount maxTickets isAvailable utilisation
    agent { id name team { id } } } }"""


@pytest.fixture
async def server(database_url: str, db: str, clock: ManualClock) -> AsyncIterator[LiveServer]:
    async with live_server(database_url, clock) as running:
        yield running


async def next_update(ws: Any) -> dict[str, Any]:
    got = await receive(ws)
    assert got["type"] == "next" and "errors" not in got["payload"], got
    update: dict[str, Any] = got["payload"]["data"]["agentWorkload"]
    return update


def numbers(update: dict[str, Any]) -> tuple[Any, ...]:
    return (
        update["kind"],
        update["agent"]["id"],
        update["currentTicketCount"],
        update["maxTickets"],
        update["isAvailable"],
        update["utilisation"],
    )


async def test_a_lead_sees_load_rise_on_assignment_and_fall_when_the_agent_resolves(
    server: LiveServer, clock: ManualClock
) -> None:
    team = await create_team()
    agent = await create_agent(team, max_tickets=4)
    lead = await token_for(Role.LEAD, agent=await create_agent(team))
    ticket = await create_ticket(await create_customer(), clock)
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, WORKLOAD, {"team": gid("Team", team.id)})
        await tickets.assign(ADMIN, ticket.id, agent.id, clock)
        assigned = await next_update(ws)
        await tickets.change_status(as_agent(agent), ticket.id, TicketStatus.RESOLVED, clock)
        resolved = await next_update(ws)
    me = gid("Agent", agent.id)
    assert numbers(assigned) == ("ticket.assigned", me, 1, 4, True, 0.25)
    assert assigned["ticketId"] == gid("Ticket", ticket.id)
    assert assigned["data"] == {"from": None, "to": agent.id}
    assert assigned["agent"]["team"] == {"id": gid("Team", team.id)}
    assert numbers(resolved) == ("ticket.status_changed", me, 0, 4, True, 0.0)
    assert resolved["data"] == {"from": "OPEN", "to": "RESOLVED"}


async def test_a_reassignment_updates_the_old_and_the_new_agent(
    server: LiveServer, clock: ManualClock
) -> None:
    team = await create_team()
    old, new = await create_agent(team), await create_agent(team)
    ticket = await create_ticket(await create_customer(), clock, assignee=old)
    admin = await token_for(Role.ADMIN)
    await settle()  # the first assignment published before subscribing
    async with transport_ws(server.url, bearer(admin)) as ws:
        await subscribe(ws, WORKLOAD, {})  # an admin may follow every team
        await tickets.assign(ADMIN, ticket.id, new.id, clock)
        first, second = await next_update(ws), await next_update(ws)
    assert numbers(first)[:3] == ("ticket.assigned", gid("Agent", old.id), 0)
    assert numbers(second)[:3] == ("ticket.assigned", gid("Agent", new.id), 1)
    assert first["position"] == second["position"]  # one event, two agents


async def test_availability_and_capacity_changes_are_updates_of_their_own(
    server: LiveServer, clock: ManualClock
) -> None:
    team = await create_team()
    agent = await create_agent(team, max_tickets=10)
    member = await token_for(Role.AGENT, agent=await create_agent(team))
    async with transport_ws(server.url, bearer(member)) as ws:
        await subscribe(ws, WORKLOAD, {"team": gid("Team", team.id)})
        await directory.set_availability(as_agent(agent), agent.id, False, clock.now())
        away = await next_update(ws)
        await directory.update_agent(
            ADMIN, agent.id, directory.AgentChanges(max_tickets=2), clock.now()
        )
        smaller = await next_update(ws)
    me = gid("Agent", agent.id)
    assert numbers(away) == ("agent.availability_changed", me, 0, 10, False, 0.0)
    assert (away["ticketId"], away["data"]) == (None, {"from": True, "to": False})
    assert numbers(smaller) == ("agent.updated", me, 0, 2, False, 0.0)
    assert smaller["data"] == {"max_tickets": {"from": 10, "to": 2}}


async def test_only_the_followed_teams_agents_are_sent(
    server: LiveServer, clock: ManualClock
) -> None:
    own, other = await create_team(), await create_team()
    mine, theirs = await create_agent(own), await create_agent(other)
    lead = await token_for(Role.LEAD, agent=await create_agent(own))
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, WORKLOAD, {"team": gid("Team", own.id)})
        await directory.set_availability(ADMIN, theirs.id, False, clock.now())
        await directory.set_availability(ADMIN, mine.id, False, clock.now())
        got = await next_update(ws)
    assert got["agent"]["id"] == gid("Agent", mine.id)


async def test_another_teams_agent_and_a_customer_are_refused_at_start(
    server: LiveServer,
) -> None:
    own, other = await create_team(), await create_team()
    agent = await token_for(Role.AGENT, agent=await create_agent(own))
    customer = await token_for(Role.CUSTOMER, customer=await create_customer())
    cases = [
        (agent, {"team": gid("Team", other.id)}, "teamId"),
        (agent, {}, "teamId"),  # an agent names their team; all teams is for leads
        (customer, {"team": gid("Team", own.id)}, None),
    ]
    for token, variables, field in cases:
        async with transport_ws(server.url, bearer(token)) as ws:
            await subscribe(ws, WORKLOAD, variables)
            got = await receive(ws)
            done = await receive(ws)
        assert got["payload"]["data"] is None, got
        [error] = got["payload"]["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert error["extensions"].get("field") == field
        assert done == {"id": "1", "type": "complete"}


async def test_a_dashboard_resumes_with_what_it_missed_and_the_numbers_as_they_are_now(
    server: LiveServer, clock: ManualClock
) -> None:
    team = await create_team()
    agent = await create_agent(team, max_tickets=5)
    lead = await token_for(Role.LEAD, agent=await create_agent(team))
    variables = {"team": gid("Team", team.id)}
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, WORKLOAD, variables)
        await directory.set_availability(ADMIN, agent.id, False, clock.now())
        first = await next_update(ws)
    # offline: the agent comes back, then gets a bigger capacity
    await directory.set_availability(ADMIN, agent.id, True, clock.now())
    await directory.update_agent(
        ADMIN, agent.id, directory.AgentChanges(max_tickets=8), clock.now()
    )
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, WORKLOAD, {**variables, "after": first["position"]})
        missed = [await next_update(ws), await next_update(ws)]
    assert [m["kind"] for m in missed] == ["agent.availability_changed", "agent.updated"]
    # each update reads the agent afresh: both show capacity 8, not what it was then
    assert [(m["isAvailable"], m["maxTickets"]) for m in missed] == [(True, 8), (True, 8)]
    assert len({first["position"], *(m["position"] for m in missed)}) == 3
