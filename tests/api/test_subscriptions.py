"""Subscriptions over WebSocket, as a dashboard or a customer's app uses them:
authentication in connection_init, only what the token may see, resume after a
reconnect, both protocols."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from domain import tickets
from domain import tokens as tokens_service
from domain.enums import Role
from tests.api.live_server import LiveServer, live_server, receive, transport_ws
from tests.factories import (
    ADMIN,
    ManualClock,
    as_agent,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
    gid,
    token_for,
)

TICKET = """subscription($id: ID!, $after: String) { ticketUpdates(ticketId: $id, after: $after) {
  position kind ticketId data ticket { status } } }"""
QUEUE = """subscription($team: ID) { queueUpdates(teamId: $team) {
  reset changes { kind ticketId } events { kind ticketId data } } }"""


@pytest.fixture
async def server(database_url: str, db: str, clock: ManualClock) -> AsyncIterator[LiveServer]:
    async with live_server(database_url, clock) as running:
        yield running


def bearer(token: str) -> dict[str, Any]:
    return {"Authorization": f"Bearer {token}"}


async def subscribe(ws: Any, query: str, variables: dict[str, Any], op: str = "1") -> None:
    ack = await receive(ws)
    assert ack["type"] == "connection_ack", ack
    message = {"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables}}
    await ws.send(json.dumps(message))
    await settle()


async def settle() -> None:
    """The protocol does not acknowledge a subscribe: give the server a moment to start
    following the bus, so a change made next is not from before the subscription."""
    await asyncio.sleep(0.3)


async def test_a_customer_sees_replies_to_their_ticket_and_never_internal_notes(
    server: LiveServer, clock: ManualClock
) -> None:
    team = await create_team()
    agent = await create_agent(team)
    customer = await create_customer()
    ticket = await create_ticket(customer, clock, team=team, assignee=agent)
    token = await token_for(Role.CUSTOMER, customer=customer)

    async with transport_ws(server.url, bearer(token)) as ws:
        await subscribe(ws, TICKET, {"id": gid("Ticket", ticket.id)})
        staff = as_agent(agent)
        await tickets.add_message(staff, ticket.id, "Checking with billing", True, clock)
        await tickets.add_message(staff, ticket.id, "Your refund is on its way", False, clock)
        got = await receive(ws)
        update = got["payload"]["data"]["ticketUpdates"]
        assert (got["type"], update["kind"]) == ("next", "message.added")
        assert update["data"] is None  # event details are for staff
        assert update["ticket"] == {"status": "OPEN"}


async def test_another_customers_ticket_is_refused_at_start(
    server: LiveServer, clock: ManualClock
) -> None:
    other = await create_ticket(await create_customer(), clock)
    token = await token_for(Role.CUSTOMER, customer=await create_customer())
    async with transport_ws(server.url, bearer(token)) as ws:
        await subscribe(ws, TICKET, {"id": gid("Ticket", other.id)})
        got = await receive(ws)
        done = await receive(ws)
    assert got["type"] == "next"
    assert got["payload"]["data"] is None
    assert got["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert done == {"id": "1", "type": "complete"}


async def test_without_a_valid_token_the_connection_is_closed_4403(server: LiveServer) -> None:
    for params in ({}, bearer("fd_not-a-token")):
        async with transport_ws(server.url, params) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ws)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4403


async def test_a_dashboard_resumes_after_a_reconnect_with_what_it_missed(
    server: LiveServer, clock: ManualClock
) -> None:
    team = await create_team()
    lead = await token_for(Role.LEAD, agent=await create_agent(team))
    ticket = await create_ticket(await create_customer(), clock, team=team)
    variables = {"id": gid("Ticket", ticket.id)}
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, TICKET, variables)
        await tickets.add_message(ADMIN, ticket.id, "first", False, clock)
        first = (await receive(ws))["payload"]["data"]["ticketUpdates"]
        assert first["kind"] == "message.added"
    # offline: two changes happen
    await tickets.add_message(ADMIN, ticket.id, "second", False, clock)
    await tickets.add_message(ADMIN, ticket.id, "third", True, clock)
    async with transport_ws(server.url, bearer(lead)) as ws:
        await subscribe(ws, TICKET, {**variables, "after": first["position"]})
        missed = [(await receive(ws))["payload"]["data"]["ticketUpdates"] for _ in range(4)]
    # what followed the first reply: it met first response, then the two messages
    assert [m["kind"] for m in missed] == [
        "ticket.first_response",
        "sla.met",
        "message.added",
        "message.added",
    ]
    assert [m["data"]["internal"] for m in missed[2:]] == [False, True]  # staff see notes
    assert len({first["position"], *(m["position"] for m in missed)}) == 5


async def test_the_legacy_graphql_ws_protocol_works_too(
    server: LiveServer, clock: ManualClock
) -> None:
    team = await create_team()
    billing = await create_category("BILLING", team=team)
    lead = await token_for(Role.LEAD, agent=await create_agent(team))
    async with connect(server.url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": bearer(lead)}))
        assert (await receive(ws))["type"] == "connection_ack"
        start = {"query": QUEUE, "variables": {"team": gid("Team", team.id)}}
        await ws.send(json.dumps({"id": "q", "type": "start", "payload": start}))
        reset = await receive(ws)  # the queue as it is: empty
        # its category's team is set in the creating statement, so the event's scope has it
        ticket = await create_ticket(await create_customer(), clock, category=billing)
        got = await receive(ws)
    assert reset["type"] == "data"
    assert reset["payload"]["data"]["queueUpdates"] == {"reset": True, "changes": [], "events": []}
    assert got["type"] == "data"
    update = got["payload"]["data"]["queueUpdates"]
    assert update["changes"] == []  # created, not queued yet
    [event] = update["events"]
    assert (event["kind"], event["ticketId"]) == ("ticket.created", gid("Ticket", ticket.id))


async def test_a_position_the_server_never_gave_is_refused(
    server: LiveServer, clock: ManualClock
) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    token = await token_for(Role.ADMIN)
    async with transport_ws(server.url, bearer(token)) as ws:
        await subscribe(ws, TICKET, {"id": gid("Ticket", ticket.id), "after": "yesterday"})
        got = await receive(ws)
    [error] = got["payload"]["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID_INPUT", "after")


async def test_a_revoked_token_stops_receiving(server: LiveServer, clock: ManualClock) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    token = await token_for(Role.ADMIN)
    async with transport_ws(server.url, bearer(token)) as ws:
        await subscribe(ws, TICKET, {"id": gid("Ticket", ticket.id)})
        await tokens_service.revoke(token, clock.now())
        await tickets.add_message(ADMIN, ticket.id, "after the revocation", False, clock)
        got = await receive(ws)
        done = await receive(ws)
    assert got["payload"]["data"] is None
    assert got["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert done["type"] == "complete"


async def test_queues_and_slas_are_for_staff_and_an_agent_follows_only_their_team(
    server: LiveServer,
) -> None:
    own, other = await create_team(), await create_team()
    agent = await token_for(Role.AGENT, agent=await create_agent(own))
    customer = await token_for(Role.CUSTOMER, customer=await create_customer())
    sla = "subscription($team: ID) { slaUpdates(teamId: $team) { kind } }"
    cases = [
        (agent, QUEUE, {"team": gid("Team", other.id)}),
        (agent, sla, {}),
        (customer, QUEUE, {}),
    ]
    for token, query, variables in cases:
        async with transport_ws(server.url, bearer(token)) as ws:
            await subscribe(ws, query, variables)
            got = await receive(ws)
        assert got["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN", got


async def test_a_revoked_token_cannot_subscribe_again_on_the_same_connection(
    server: LiveServer, clock: ManualClock
) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    token = await token_for(Role.ADMIN)
    async with transport_ws(server.url, bearer(token)) as ws:
        await subscribe(ws, TICKET, {"id": gid("Ticket", ticket.id)})
        await tokens_service.revoke(token, clock.now())
        await tickets.add_message(ADMIN, ticket.id, "after the revocation", False, clock)
        assert (await receive(ws))["payload"]["errors"][0]["extensions"]["code"] == (
            "UNAUTHENTICATED"
        )
        assert (await receive(ws))["type"] == "complete"
        message = {"id": "2", "type": "subscribe", "payload": {"query": QUEUE}}
        await ws.send(json.dumps(message))
        again = await receive(ws)
    assert again["type"] == "error" and again["id"] == "2"
    assert again["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_store_hiccup_during_updates_loses_nothing(
    server: LiveServer, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    token = await token_for(Role.ADMIN)
    real = tokens_service.principal_for
    failures = [ConnectionError("token store unreachable")]

    async def flaky(presented: str) -> Any:
        if failures:
            raise failures.pop()
        return await real(presented)

    async with transport_ws(server.url, bearer(token)) as ws:
        await subscribe(ws, TICKET, {"id": gid("Ticket", ticket.id)})
        monkeypatch.setattr(tokens_service, "principal_for", flaky)
        await tickets.add_message(ADMIN, ticket.id, "during the hiccup", False, clock)
        first = await receive(ws)
        await tickets.add_message(ADMIN, ticket.id, "after it", False, clock)
        kinds = [first["payload"]["data"]["ticketUpdates"]["kind"]]
        with contextlib.suppress(TimeoutError):
            while True:
                got = await receive(ws, seconds=1)
                kinds.append(got["payload"]["data"]["ticketUpdates"]["kind"])
    assert not failures  # the failing lookup did happen
    assert kinds.count("message.added") == 2
