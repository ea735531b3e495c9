"""Identical subscriptions share one execution and one payload; a connection too
slow for its updates is closed with a reason, without holding up anyone else."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from domain import ticket_reads, tickets
from domain.enums import Role
from gql.view import TextFrames
from tests.api.live_server import LiveServer, live_server, receive, transport_ws
from tests.api.test_subscriptions import TICKET, bearer, subscribe
from tests.factories import ADMIN, ManualClock, create_customer, create_ticket, gid, token_for

SUBSCRIBERS = 20


@pytest.fixture
async def server(database_url: str, db: str, clock: ManualClock) -> AsyncIterator[LiveServer]:
    async with live_server(database_url, clock) as running:
        yield running


@pytest.fixture
def ticket_reads_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how often subscription updates read their ticket: once per execution."""
    reads: list[int] = []
    original = ticket_reads.visible_ticket

    async def counting(*args: Any) -> Any:
        reads.append(args[1])
        return await original(*args)

    monkeypatch.setattr(ticket_reads, "visible_ticket", counting)
    return reads


async def test_identical_subscriptions_share_one_execution_and_one_payload(
    server: LiveServer, clock: ManualClock, ticket_reads_counted: list[int]
) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    tokens = [await token_for(Role.ADMIN) for _ in range(2)]  # same audience, two tokens
    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(transport_ws(server.url, bearer(tokens[i % 2])))
            for i in range(SUBSCRIBERS)
        ]
        await asyncio.gather(
            *(subscribe(ws, TICKET, {"id": gid("Ticket", ticket.id)}) for ws in sockets)
        )
        assert len(server.groups) == 1
        ticket_reads_counted.clear()

        # an agent's first reply: the message, and the status and SLA changes it causes
        await tickets.add_message(ADMIN, ticket.id, "one event, one execution", False, clock)
        got = await asyncio.gather(*(_all_updates(ws) for ws in sockets))

    updates = got[0]
    assert "message.added" in [u["payload"]["data"]["ticketUpdates"]["kind"] for u in updates]
    assert all(json.dumps(g, sort_keys=True) == json.dumps(updates, sort_keys=True) for g in got)
    # one execution per update, not one per update per subscriber
    assert ticket_reads_counted == [ticket.id] * len(updates)
    await asyncio.sleep(0.1)
    assert len(server.groups) == 0  # the last one out stopped it


async def test_different_variables_or_audiences_get_executions_of_their_own(
    server: LiveServer, clock: ManualClock
) -> None:
    customer = await create_customer()
    first, second = await create_ticket(customer, clock), await create_ticket(customer, clock)
    admin = await token_for(Role.ADMIN)
    own = await token_for(Role.CUSTOMER, customer=customer)
    async with contextlib.AsyncExitStack() as stack:
        plans = [(admin, first), (admin, second), (own, first)]
        sockets = []
        for token, ticket in plans:
            ws = await stack.enter_async_context(transport_ws(server.url, bearer(token)))
            await subscribe(ws, TICKET, {"id": gid("Ticket", ticket.id)})
            sockets.append(ws)
        assert len(server.groups) == 3
        # resuming is never shared: its first updates are its own
        ws = await stack.enter_async_context(transport_ws(server.url, bearer(admin)))
        await subscribe(ws, TICKET, {"id": gid("Ticket", first.id), "after": "0"})
        assert len(server.groups) == 3

        await tickets.add_message(ADMIN, first.id, "for the first ticket", False, clock)
        admin_view, customer_view = await receive(sockets[0]), await receive(sockets[2])
    assert admin_view["payload"]["data"]["ticketUpdates"]["data"] is not None
    assert customer_view["payload"]["data"]["ticketUpdates"]["data"] is None  # staff only


async def test_a_connection_too_slow_for_its_updates_is_closed_with_a_reason(
    database_url: str, db: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    token = await token_for(Role.ADMIN)
    slow_sends: set[int] = set()
    original = TextFrames.send_text

    async def send_text(self: TextFrames, text: str) -> None:
        if id(self) in slow_sends and '"type":"next"' in text:
            await asyncio.sleep(30)  # a client that stopped reading
        await original(self, text)

    monkeypatch.setattr(TextFrames, "send_text", send_text)
    async with (
        live_server(database_url, clock, ws_buffer_updates=3) as server,
        transport_ws(server.url, bearer(token)) as slow,
        transport_ws(server.url, bearer(token)) as fast,
    ):
        await subscribe(fast, TICKET, {"id": gid("Ticket", ticket.id)})
        await subscribe(slow, TICKET, {"id": gid("Ticket", ticket.id)})
        [group] = server.groups._groups.values()
        # the slow connection is the group's second member; mark its socket slow
        slow_handler_socket = _socket_of(group.members[1])
        slow_sends.add(slow_handler_socket)
        for n in range(6):
            await tickets.add_message(ADMIN, ticket.id, f"update {n}", False, clock)
        fast_got = [await receive(fast) for _ in range(6)]
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(5):
                while True:
                    await slow.recv()
    assert [g["type"] for g in fast_got] == ["next"] * 6
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1013
    assert "Too slow" in closed.value.rcvd.reason


async def _all_updates(ws: Any) -> list[dict[str, Any]]:
    """Every update until none comes for half a second."""
    found = [await receive(ws)]
    with contextlib.suppress(TimeoutError):
        while True:
            found.append(await receive(ws, seconds=0.5))
    return found


def _socket_of(member: Any) -> int:
    """The id of the TextFrames adapter that a member's handler sends through."""
    handler = member._on_overflow.__self__
    return id(handler.websocket)
