"""Two API processes on one Redis: a change served by one reaches a subscriber
connected to the other (the outbox relay publishes to the Redis stream, every
process reads it)."""

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from websockets.asyncio.client import connect

from domain.enums import Role
from tests.api.live_server import free_port
from tests.factories import ManualClock, create_customer, create_ticket, gid, token_for

BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def two_servers(db: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    stream = f"frontdesk:test:events:{secrets.token_hex(4)}"
    ports = [free_port(), free_port()]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DATABASE_URL=db,
        REDIS_URL=redis_url,
        FRONTDESK_EVENT_STREAM=stream,
        FRONTDESK_TASK_QUEUE=f"{stream}:tasks",
        FRONTDESK_LOG_LEVEL="WARNING",
        FRONTDESK_DATA_DIR=str(tmp_path),
    )
    servers = [
        subprocess.Popen(  # noqa: S603  (our console script)
            [str(BIN / "frontdesk"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        yield f"http://127.0.0.1:{ports[0]}", f"ws://127.0.0.1:{ports[1]}/graphql", stream
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


async def _ready(url: str) -> None:
    async with httpx.AsyncClient() as client, asyncio.timeout(60):
        while True:
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


async def test_a_reply_on_one_process_reaches_a_subscriber_on_the_other(
    two_servers: tuple[str, str, str], redis_url: str
) -> None:
    http_url, ws_url, stream = two_servers
    ticket = await create_ticket(await create_customer(), ManualClock())
    admin = await token_for(Role.ADMIN)
    await _ready(http_url)
    await _ready(ws_url.replace("ws://", "http://").removesuffix("/graphql"))
    try:
        async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {admin}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            query = "subscription($id: ID!) { ticketUpdates(ticketId: $id) { kind } }"
            payload = {"query": query, "variables": {"id": gid("Ticket", ticket.id)}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            await asyncio.sleep(0.5)  # the subscription is following the stream
            reply = (
                'mutation($id: ID!) { addMessage(input: {ticketId: $id, content: "On it"}) '
                "{ message { id } } }"
            )
            async with httpx.AsyncClient() as client:
                response = await client.post(
                    f"{http_url}/graphql",
                    json={"query": reply, "variables": {"id": gid("Ticket", ticket.id)}},
                    headers={"Authorization": f"Bearer {admin}"},
                )
            assert response.json()["data"]["addMessage"]["message"]["id"]
            async with asyncio.timeout(10):
                while True:
                    message = json.loads(await ws.recv())
                    if message["type"] == "next":
                        break
            assert message["payload"]["data"]["ticketUpdates"]["kind"] == "message.added"
    finally:
        client_r = Redis.from_url(redis_url)
        await client_r.delete(stream, *[k async for k in client_r.scan_iter(f"{stream}:*")])
        await client_r.aclose()
