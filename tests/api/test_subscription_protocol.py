"""The WebSocket protocols' housekeeping, as clients and proxies rely on it: the
server pings, an idle unauthenticated connection is closed, protocol mistakes get
the close codes graphql-transport-ws defines."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from domain.enums import Role
from tests.api.live_server import LiveServer, live_server
from tests.factories import ManualClock, create_agent, create_team, token_for

SUBSCRIBE = {"query": "subscription { queueUpdates { reset } }"}


@pytest.fixture
async def server(database_url: str, db: str, clock: ManualClock) -> AsyncIterator[LiveServer]:
    async with live_server(database_url, clock, ws_ping_seconds=0.3, ws_init_seconds=0.5) as s:
        yield s


async def lead_params() -> dict[str, Any]:
    token = await token_for(Role.LEAD, agent=await create_agent(await create_team()))
    return {"Authorization": f"Bearer {token}"}


async def next_message(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(3):
        message: dict[str, Any] = json.loads(await ws.recv())
        return message


async def closed_with(ws: ClientConnection) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(3):
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_the_server_pings_on_graphql_transport_ws(server: LiveServer) -> None:
    async with connect(server.url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": await lead_params()}))
        assert (await next_message(ws))["type"] == "connection_ack"
        assert (await next_message(ws))["type"] == "ping"
        await ws.send(json.dumps({"type": "pong"}))
        assert (await next_message(ws))["type"] == "ping"


async def test_the_server_keeps_graphql_ws_alive(server: LiveServer) -> None:
    async with connect(server.url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": await lead_params()}))
        assert (await next_message(ws))["type"] == "connection_ack"
        assert (await next_message(ws))["type"] == "ka"


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_no_connection_init_in_time_closes_4408(server: LiveServer, protocol: str) -> None:
    async with connect(server.url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        assert await closed_with(ws) == 4408


async def test_protocol_mistakes_get_their_close_codes(server: LiveServer) -> None:
    params = await lead_params()
    async with connect(server.url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": SUBSCRIBE}))
        assert await closed_with(ws) == 4401  # subscribe before connection_init
    async with connect(server.url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": params}))
        await ws.send(json.dumps({"type": "connection_init", "payload": params}))
        assert await closed_with(ws) == 4429  # initialised twice
    async with connect(server.url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": params}))
        for _ in range(2):
            await ws.send(json.dumps({"id": "same", "type": "subscribe", "payload": SUBSCRIBE}))
        assert await closed_with(ws) == 4409  # two subscriptions with one id
    async with connect(server.url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send("not json")
        assert await closed_with(ws) == 4400
