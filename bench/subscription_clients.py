"""A load-generator process for ``subscriptions.py``: many graphql-transport-ws subscribers.

Run by the bench, never by hand: ``python subscription_clients.py '<json config>'``.
Each subscriber is an asyncio ``Protocol`` over websockets' Sans-I/O client (no task,
queue or reader coroutine per connection), so one process holds thousands of
connections cheaply. A receipt is timestamped with ``time.monotonic()`` (one clock
for every process on the machine) when its bytes are handed to ``data_received``,
before they are parsed, so the parsing of a burst does not inflate the latencies.

Talks to the bench over stdin/stdout, one JSON document per line:
``{"ready": ...}`` once every subscriber has subscribed (or failed); then, per line
read from stdin, ``count`` -> ``{"received": n, "closed": n}`` and ``stop`` ->
``{"receipts": {seq: [t, ...]}, ...}``, after which the process exits.
"""

import asyncio
import sys
import time
from collections import Counter
from typing import Any, cast

import orjson
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri
from workspace import run_async

SUBPROTOCOL = Subprotocol("graphql-transport-ws")


class Tally:
    """What every subscriber of this process saw."""

    def __init__(self) -> None:
        self.receipts: dict[int, list[float]] = {}
        self.received = 0
        self.closed = 0
        self.errors: Counter[str] = Counter()


class Subscriber(asyncio.Protocol):
    def __init__(self, cfg: dict[str, Any], index: int, tally: Tally) -> None:
        extensions = enable_client_permessage_deflate(None) if cfg["deflate"] else None
        self.ws = ClientProtocol(
            parse_uri(cfg["url"]), subprotocols=[SUBPROTOCOL], extensions=extensions
        )
        self.init = orjson.dumps(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {cfg['token']}"}}
        )
        variants = cfg["variants"]
        query, variables = cfg["query"], dict(variants[index % len(variants)])
        if cfg["distinct"] == "alias":
            query = query.replace("ALIAS", f"s{index}")
        elif cfg["distinct"] == "clientId":
            variables["clientId"] = f"bench-{index}"
        self.subscribe = orjson.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )
        self.tally = tally
        self.subscribed: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.stopping = False

    def _settle(self, outcome: str | None) -> None:
        if not self.subscribed.done():
            self.subscribed.set_result(outcome)

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.ws.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:
                self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        at = time.monotonic()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if self.ws.handshake_exc is not None or self.ws.state is not State.OPEN:
                    self._settle(f"handshake: {event.status_code}")
                else:
                    self.ws.send_text(self.init)
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._message(event.data, at)
        self._flush()

    def _message(self, raw: bytes | bytearray | memoryview, at: float) -> None:
        message = orjson.loads(raw)
        kind = message.get("type")
        if kind == "next":
            tally = self.tally
            tally.received += 1
            payload = message["payload"]
            if payload.get("errors"):
                tally.errors[f"next with errors: {payload['errors'][0].get('message')}"] += 1
                return
            (update,) = payload["data"].values()
            for event in update["events"]:  # a reset (the listing) carries none
                seq = (event.get("data") or {}).get("benchSeq")
                if seq is not None:
                    tally.receipts.setdefault(int(seq), []).append(at)
        elif kind == "connection_ack":
            self.ws.send_text(self.subscribe)
            self._settle(None)
        elif kind == "ping":
            self.ws.send_text(b'{"type":"pong"}')
        elif kind == "error":
            self.tally.errors[f"error: {message['payload'][0].get('message')}"] += 1
            self._settle("subscription refused")
        elif kind == "complete":
            self.tally.errors["completed by the server"] += 1

    def eof_received(self) -> bool | None:
        self.ws.receive_eof()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._settle(f"closed before ack: {self.ws.close_code or exc or 'eof'}")
        if not self.stopping and self.subscribed.result() is None:
            self.tally.closed += 1
            self.tally.errors[f"closed by the server: {self.ws.close_code} {exc or ''}"] += 1

    def close(self) -> None:
        self.stopping = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()


async def open_one(cfg: dict[str, Any], index: int, tally: Tally, gate: asyncio.Semaphore) -> Any:
    loop = asyncio.get_running_loop()
    async with gate:
        try:
            _, sub = await loop.create_connection(
                lambda: Subscriber(cfg, index, tally), cfg["host"], cfg["port"]
            )
            outcome = await asyncio.wait_for(asyncio.shield(sub.subscribed), cfg["timeout"])
        except (OSError, TimeoutError) as exc:
            tally.errors[f"connect: {type(exc).__name__} {exc}"] += 1
            return None
        if outcome is not None:
            tally.errors[outcome] += 1
            sub.close()
            return None
        return sub


async def main(cfg: dict[str, Any]) -> None:
    tally = Tally()
    gate = asyncio.Semaphore(cfg["handshakes"])
    first = cfg["first"]
    opened = await asyncio.gather(
        *(open_one(cfg, i, tally, gate) for i in range(first, first + cfg["count"]))
    )
    subs = [s for s in opened if s is not None]
    out = sys.stdout.buffer
    out.write(orjson.dumps({"ready": len(subs)}) + b"\n")
    out.flush()
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while command := (await reader.readline()).strip():
        if command == b"count":
            counts = {"received": tally.received, "closed": tally.closed}
            out.write(orjson.dumps({**counts, "cpu_s": time.process_time()}) + b"\n")
            out.flush()
        elif command == b"stop":
            break
    for s in subs:
        s.close()
    cpu = time.process_time()
    receipts = {str(k): v for k, v in tally.receipts.items()}
    done = {"receipts": receipts, "closed": tally.closed, "errors": tally.errors, "cpu_s": cpu}
    out.write(orjson.dumps(done) + b"\n")
    out.flush()


if __name__ == "__main__":
    config = orjson.loads(sys.argv[1])
    run_async(lambda: main(config))
