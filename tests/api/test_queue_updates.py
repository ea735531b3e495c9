"""queueUpdates as a dashboard uses it: the queue first, then changes it applies to
its list (inserted, moved, removed), a burst in one update, and no echo of its own
changes when it names itself."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain import tickets
from domain.access import Principal
from domain.enums import Priority, Role, TicketStatus
from domain.intake_sweep import widen_stale
from domain.models import Category, Team, Ticket
from domain.queues import queue
from domain.routing import RoutingPolicy
from domain.triage import triage_ticket
from domain.triage_inputs import Intake
from resolvers import live_queue
from tests.api.live_server import LiveServer, live_server, receive, transport_ws
from tests.api.test_subscriptions import bearer, subscribe
from tests.factories import (
    ADMIN,
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
    gid,
    token_for,
)

QUEUE = """subscription($team: ID, $client: String) {
  queueUpdates(teamId: $team, clientId: $client) {
    position reset
    changes { kind ticketId position previousPosition ticket { id priority } }
    events { kind ticketId } } }"""


@pytest.fixture
async def server(database_url: str, db: str, clock: ManualClock) -> AsyncIterator[LiveServer]:
    async with live_server(database_url, clock) as running:
        yield running


async def busy_team() -> tuple[Team, Category]:
    """A team whose only agent is full, so its new tickets wait in its queue."""
    team = await create_team()
    category = await create_category(f"Q{team.id}", team=team)
    await create_agent(team, max_tickets=1, current=1, skills={category: 3})
    return team, category


async def queued(
    clock: ManualClock, category: Category, priority: Priority, intake: Intake | None = None
) -> Ticket:
    ticket = await create_ticket(
        await create_customer(), clock, category=category, priority=priority
    )
    await triage_ticket(intake or Intake(clock), ticket.id)
    clock.advance(minutes=1)
    return ticket


async def set_priority(
    ticket: Ticket, priority: Priority, clock: ManualClock, by: Principal = ADMIN
) -> None:
    await tickets.update(by, ticket.id, tickets.TicketUpdate(priority=priority), clock)


async def next_update(ws: Any) -> dict[str, Any]:
    got = await receive(ws)
    assert got["type"] == "next", got
    assert "errors" not in got["payload"], got
    sent: dict[str, Any] = got["payload"]["data"]["queueUpdates"]
    return sent


async def next_change(ws: Any) -> dict[str, Any]:
    """The next update that changes the list (those before it carry only events)."""
    while not (sent := await next_update(ws))["changes"]:
        assert sent["events"], "an update that changes nothing and shows nothing was sent"
    return sent


def brief(changes: list[dict[str, Any]]) -> list[tuple[str, str, int | None, int | None]]:
    return [(c["kind"], c["ticketId"], c["position"], c["previousPosition"]) for c in changes]


def applied(ids: list[str], changes: list[dict[str, Any]]) -> list[str]:
    """What a client does (docs/live.md): take out removed and moved, then put."""
    gone = {c["ticketId"] for c in changes if c["kind"] != "INSERTED"}
    out = [t for t in ids if t not in gone]
    for c in changes:
        if c["kind"] != "REMOVED":
            out.insert(c["position"], c["ticketId"])
    return out


def g(ticket: Ticket) -> str:
    return gid("Ticket", ticket.id)


async def test_the_first_update_is_the_whole_queue_in_order(
    server: LiveServer, clock: ManualClock
) -> None:
    team, category = await busy_team()
    low = await queued(clock, category, Priority.LOW)
    urgent = await queued(clock, category, Priority.URGENT)
    medium = await queued(clock, category, Priority.MEDIUM)
    lead = await token_for(Role.LEAD, agent=await create_agent(team))

    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, QUEUE, {"team": gid("Team", team.id)})
        first = await next_update(ws)

    assert (first["reset"], first["position"], first["events"]) == (True, None, [])
    assert brief(first["changes"]) == [
        ("INSERTED", g(urgent), 0, None),
        ("INSERTED", g(medium), 1, None),
        ("INSERTED", g(low), 2, None),
    ]
    assert [c["ticket"]["priority"] for c in first["changes"]] == ["URGENT", "MEDIUM", "LOW"]
    in_order = [g(t) for t in await queue(ADMIN, team.id, 50, 0)]
    assert [c["ticketId"] for c in first["changes"]] == in_order


async def test_a_ticket_queued_is_inserted_where_it_sorts(
    server: LiveServer, clock: ManualClock
) -> None:
    team, category = await busy_team()
    urgent = await queued(clock, category, Priority.URGENT)
    low = await queued(clock, category, Priority.LOW)
    lead = await token_for(Role.LEAD, agent=await create_agent(team))
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, QUEUE, {"team": gid("Team", team.id)})
        before = [c["ticketId"] for c in (await next_update(ws))["changes"]]

        medium = await queued(clock, category, Priority.MEDIUM)
        sent = await next_change(ws)

    assert before == [g(urgent), g(low)]
    assert brief(sent["changes"]) == [("INSERTED", g(medium), 1, None)]
    assert sent["changes"][0]["ticket"] == {"id": g(medium), "priority": "MEDIUM"}
    assert "ticket.queued" in [e["kind"] for e in sent["events"]]
    assert sent["position"] is not None and sent["reset"] is False


async def test_a_raised_priority_moves_the_ticket(server: LiveServer, clock: ManualClock) -> None:
    team, category = await busy_team()
    medium = await queued(clock, category, Priority.MEDIUM)
    low = await queued(clock, category, Priority.LOW)
    lead = await token_for(Role.LEAD, agent=await create_agent(team))
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, QUEUE, {"team": gid("Team", team.id)})
        await next_update(ws)

        await set_priority(low, Priority.URGENT, clock)
        sent = await next_change(ws)

    assert brief(sent["changes"]) == [("MOVED", g(low), 0, 1)]
    assert sent["changes"][0]["ticket"]["priority"] == "URGENT"
    assert "ticket.updated" in [e["kind"] for e in sent["events"]]
    assert [g(t) for t in await queue(ADMIN, team.id, 50, 0)] == [g(low), g(medium)]


async def test_assigned_and_resolved_tickets_are_removed(
    server: LiveServer, clock: ManualClock
) -> None:
    team, category = await busy_team()
    first = await queued(clock, category, Priority.HIGH)
    second = await queued(clock, category, Priority.HIGH)
    third = await queued(clock, category, Priority.HIGH)
    free = await create_agent(team, skills={category: 3})
    lead = await token_for(Role.LEAD, agent=free)
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, QUEUE, {"team": gid("Team", team.id)})
        await next_update(ws)

        await tickets.assign(ADMIN, second.id, free.id, clock)
        assigned = await next_change(ws)
        await tickets.change_status(ADMIN, third.id, TicketStatus.RESOLVED, clock)
        resolved = await next_change(ws)

    assert brief(assigned["changes"]) == [("REMOVED", g(second), None, 1)]
    assert assigned["changes"][0]["ticket"] is None
    assert brief(resolved["changes"]) == [("REMOVED", g(third), None, 1)]
    assert [g(t) for t in await queue(ADMIN, team.id, 50, 0)] == [g(first)]


async def test_a_ticket_moved_to_another_team_leaves_one_queue_and_joins_the_other(
    server: LiveServer, clock: ManualClock
) -> None:
    """Its events carry the new team, yet the old team's list still loses it."""
    specialists, generalists = await create_team(), await create_team()
    legal = await create_category("LEGAL", team=specialists, fallback=generalists)
    await create_agent(specialists, max_tickets=1, current=1, skills={legal: 3})
    await create_agent(generalists, max_tickets=1, current=1)
    intake = Intake(clock, routing=RoutingPolicy(skill_timeout_seconds=600))
    moving = await queued(clock, legal, Priority.HIGH, intake)
    staying = await queued(clock, legal, Priority.LOW, intake)
    agent = await token_for(Role.AGENT, agent=await create_agent(specialists, available=False))
    lead = await token_for(Role.LEAD, agent=await create_agent(generalists, available=False))
    async with (
        transport_ws(server.url, bearer(agent)) as old_team,
        transport_ws(server.url, bearer(lead)) as new_team,
    ):
        await subscribe(old_team, QUEUE, {"team": gid("Team", specialists.id)})
        await subscribe(new_team, QUEUE, {"team": gid("Team", generalists.id)})
        assert len((await next_update(old_team))["changes"]) == 2
        assert (await next_update(new_team))["changes"] == []

        await Ticket.filter(id=staying.id).update(widened_at=clock.now())  # not this one
        clock.advance(seconds=601)
        assert await widen_stale(intake, clock.now()) == 1
        left = await next_change(old_team)
        joined = await next_change(new_team)

    assert brief(left["changes"]) == [("REMOVED", g(moving), None, 0)]
    assert left["changes"][0]["ticket"] is None
    assert left["events"] == []  # the agent may no longer see that ticket's events
    assert brief(joined["changes"]) == [("INSERTED", g(moving), 0, None)]
    assert (await Ticket.get(id=moving.id)).team_id == generalists.id


async def test_a_burst_of_changes_is_one_update(
    server: LiveServer, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_queue, "COALESCE_SECONDS", 1.0)  # room for slow machines
    team, category = await busy_team()
    a, b, c, d = [await queued(clock, category, Priority.LOW) for _ in range(4)]
    lead = await token_for(Role.LEAD, agent=await create_agent(team))
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, QUEUE, {"team": gid("Team", team.id)})
        start = [ch["ticketId"] for ch in (await next_update(ws))["changes"]]

        await set_priority(d, Priority.URGENT, clock)
        await set_priority(c, Priority.HIGH, clock)
        await set_priority(b, Priority.MEDIUM, clock)
        burst = await next_update(ws)
        await set_priority(a, Priority.URGENT, clock)  # after the window: its own update
        after = await next_update(ws)
        now = [g(t) for t in await queue(ADMIN, team.id, 50, 0)]

    assert start == [g(a), g(b), g(c), g(d)]
    assert brief(burst["changes"]) == [
        ("MOVED", g(d), 0, 3),
        ("MOVED", g(c), 1, 2),
        ("MOVED", g(b), 2, 1),
    ]
    assert [e["ticketId"] for e in burst["events"] if e["kind"] == "ticket.updated"] == [
        g(d),
        g(c),
        g(b),
    ]
    assert applied(start, burst["changes"]) == [g(d), g(c), g(b), g(a)]
    assert [(ch["kind"], ch["ticketId"]) for ch in after["changes"]] == [("MOVED", g(a))]
    assert applied([g(d), g(c), g(b), g(a)], after["changes"]) == now


async def test_a_client_is_not_sent_its_own_changes(server: LiveServer, clock: ManualClock) -> None:
    team, category = await busy_team()
    a = await queued(clock, category, Priority.MEDIUM)
    b = await queued(clock, category, Priority.LOW)
    c = await queued(clock, category, Priority.LOW)
    lead = await token_for(Role.LEAD, agent=await create_agent(team))
    tab = Principal(role=Role.ADMIN, token_id=0, name="admin tab", client_id="tab-1")
    team_gid = gid("Team", team.id)
    await server.published()
    async with (
        transport_ws(server.url, bearer(lead)) as mine,
        transport_ws(server.url, bearer(lead)) as others,
    ):
        await subscribe(mine, QUEUE, {"team": team_gid, "client": "tab-1"})
        await subscribe(others, QUEUE, {"team": team_gid})
        start = [ch["ticketId"] for ch in (await next_update(mine))["changes"]]
        await next_update(others)

        await set_priority(c, Priority.URGENT, clock, by=tab)  # the tab applied this itself
        await set_priority(b, Priority.HIGH, clock)  # someone else
        told = await next_update(mine)  # nothing was sent for the tab's own change
        seen = start
        while len(seen) != 3 or seen[:2] != [g(c), g(b)]:
            seen = applied(seen, (await next_change(others))["changes"])

    assert start == [g(a), g(b), g(c)]
    # the tab's list is already [c, a, b]: only b's move is news, placed in that list
    assert brief(told["changes"]) == [("MOVED", g(b), 1, 2)]
    assert {e["ticketId"] for e in told["events"]} == {g(b)}
    assert applied([g(c), g(a), g(b)], told["changes"]) == seen == [g(c), g(b), g(a)]


async def test_an_agent_follows_only_their_own_teams_queue(
    server: LiveServer, clock: ManualClock
) -> None:
    own, _ = await busy_team()
    other, other_category = await busy_team()
    await queued(clock, other_category, Priority.LOW)
    agent = await token_for(Role.AGENT, agent=await create_agent(own))
    async with transport_ws(server.url, bearer(agent)) as ws:
        await subscribe(ws, QUEUE, {"team": gid("Team", other.id)})
        refused = await receive(ws)
        done = await receive(ws)
    async with transport_ws(server.url, bearer(agent)) as ws:
        await subscribe(ws, QUEUE, {"team": gid("Team", own.id)})
        allowed = await next_update(ws)

    assert refused["payload"]["data"] is None
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert done == {"id": "1", "type": "complete"}
    assert (allowed["reset"], allowed["changes"]) == (True, [])


async def test_a_late_joiner_of_a_shared_queue_starts_from_the_list_as_it_is_now(
    server: LiveServer, clock: ManualClock
) -> None:
    """Identical subscriptions share one execution; the one who joins later gets a
    reset of its own, and from then on the same diffs as the first."""
    team, category = await busy_team()
    medium = await queued(clock, category, Priority.MEDIUM)
    low = await queued(clock, category, Priority.LOW)
    lead = await token_for(Role.LEAD, agent=await create_agent(team))
    variables = {"team": gid("Team", team.id)}
    async with (
        transport_ws(server.url, bearer(lead)) as early,
        transport_ws(server.url, bearer(lead)) as late,
    ):
        await subscribe(early, QUEUE, variables)
        await next_update(early)
        await set_priority(low, Priority.URGENT, clock)
        moved = await next_change(early)

        await subscribe(late, QUEUE, variables)
        joined = await next_update(late)
        shared = len(server.groups)
        await set_priority(medium, Priority.URGENT, clock)
        for_early, for_late = await next_change(early), await next_change(late)

    assert shared == 1
    assert brief(moved["changes"]) == [("MOVED", g(low), 0, 1)]
    assert joined["reset"] is True
    assert [c["ticketId"] for c in joined["changes"]] == [g(low), g(medium)]
    assert for_early == for_late  # the early one got no second reset in between
    assert applied([g(low), g(medium)], for_late["changes"]) == [
        g(t) for t in await queue(ADMIN, team.id, 50, 0)
    ]
