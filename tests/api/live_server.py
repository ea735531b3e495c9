"""A real server for WebSocket tests: uvicorn on an ephemeral port, in the test's
event loop (so it shares the database pool), with the outbox relay running."""

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from adapters.event_bus_memory import InProcessEventBus
from app.outbox_relay import OutboxRelay
from app.runtime import UVICORN_WEBSOCKETS
from domain import outbox
from domain.ports import Clock
from domain.triage_inputs import Intake
from gql.app import build_app
from gql.subscription_groups import SubscriptionGroups
from tests.api.conftest import MAX_BODY


@dataclass
class LiveServer:
    url: str
    bus: InProcessEventBus
    groups: SubscriptionGroups

    async def published(self) -> None:
        """Until every committed event is on the bus (the relay publishes in rounds a
        few ms apart): what happened before a subscription is not news to it."""
        async with asyncio.timeout(5):
            while True:
                report = await outbox.relay_once(self.bus)
                if not report.busy and not report.published:
                    return
                await asyncio.sleep(0.01)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def live_server(
    database_url: str,
    clock: Clock,
    *,
    ws_ping_seconds: float = 15,
    ws_init_seconds: float = 5,
    ws_buffer_updates: int = 256,
) -> AsyncIterator[LiveServer]:
    bus = InProcessEventBus()
    app = build_app(
        clock=clock,
        max_body_bytes=MAX_BODY,
        intake=Intake(clock),
        bus=bus,
        ws_ping_seconds=ws_ping_seconds,
        ws_init_seconds=ws_init_seconds,
        ws_buffer_updates=ws_buffer_updates,
        ws_recheck_seconds=0,  # every update checks the token: revocation tests are exact
    )
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        **UVICORN_WEBSOCKETS,  # as `frontdesk serve` runs
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    # Publishing at once, so what a test did before subscribing is on the bus before
    # it subscribes (a subscription starts from what was published when it began).
    relay = OutboxRelay(
        database_url, bus, clock, poll_seconds=0.2, linger_seconds=0.001, quiet_seconds=0
    )
    relaying = asyncio.create_task(relay.run())
    async with asyncio.timeout(10):
        while True:  # uvicorn offers no event to wait on
            if server.started:
                break
            await asyncio.sleep(0.01)
    try:
        yield LiveServer(f"ws://127.0.0.1:{port}/graphql", bus, app.state.subscription_groups)
    finally:
        relaying.cancel()
        server.should_exit = True
        await serving
        with contextlib.suppress(asyncio.CancelledError):
            await relaying


@contextlib.asynccontextmanager
async def transport_ws(url: str, params: dict[str, Any] | None) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection, initialised (acknowledged) when it opens."""
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": params or {}}))
        yield ws


async def receive(ws: ClientConnection, seconds: float = 5) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message.get("type") not in ("ping", "pong", "ka"):
                return message
