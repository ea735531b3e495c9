"""The load generator's HTTP clients: each opens n connections, one ``Send`` apiece.

The default is a minimal keep-alive HTTP/1.1 client on asyncio's protocols: it
costs a few microseconds per request where httpx costs about a millisecond, and
a client that tops out below the floor (httpx does near 400 requests/s on one
core) would measure itself, not the servers. httpx remains available with
``--client httpx``.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import cast
from urllib.parse import urlsplit

import httpx

Send = Callable[[], Awaitable[tuple[int, bytes]]]
"""One request: (HTTP status, body)."""


class KeepAliveConnection(asyncio.Protocol):
    """One HTTP/1.1 keep-alive connection sending the same prepared request.

    A minimal client (responses with Content-Length only, as uvicorn sends for
    these endpoints) that costs the load generator a few microseconds per
    request, where httpx's costs about a millisecond: a Python client that
    tops out below the floor would measure itself, not the floor.
    """

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.header_end = -1
        self.total = -1
        self.status = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.total < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            self.status = int(head[9:12])
            at = head.find(b"\r\ncontent-length:")
            if at < 0:
                self._fail(ConnectionError("response without Content-Length"))
                return
            start = at + len(b"\r\ncontent-length:")
            stop = head.find(b"\r\n", start)
            length = int(head[start : stop if stop >= 0 else None])
            self.header_end, self.total = end + 4, end + 4 + length
        if len(self.buffer) >= self.total and self.waiter is not None:
            body = bytes(self.buffer[self.header_end : self.total])
            del self.buffer[: self.total]
            self.total = -1
            self.waiter.set_result((self.status, body))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionError("connection closed by the server"))

    async def send(self, request: bytes | None = None) -> tuple[int, bytes]:
        """The prepared request, or ``request`` (a whole HTTP request, as ``post``)."""
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(self.request if request is None else request)
        return await self.waiter


def post(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A whole HTTP/1.1 keep-alive POST request."""
    parts = urlsplit(url)
    head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head += [f"Content-Length: {len(body)}", "", ""]
    return "\r\n".join(head).encode() + body


@contextlib.asynccontextmanager
async def keep_alive_connections(
    url: str, request: bytes, n: int
) -> AsyncIterator[list[KeepAliveConnection]]:
    """``n`` open connections to ``url``'s server, each with ``request`` prepared."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    connections = []
    try:
        for _ in range(n):
            _, protocol = await loop.create_connection(
                lambda: KeepAliveConnection(request), host, port
            )
            connections.append(protocol)
        yield connections
    finally:
        for c in connections:
            if c.transport is not None:
                c.transport.close()


@contextlib.asynccontextmanager
async def raw_senders(
    url: str, body: bytes, headers: dict[str, str], n: int
) -> AsyncIterator[list[Send]]:
    async with keep_alive_connections(url, post(url, body, headers), n) as connections:
        yield [c.send for c in connections]


@contextlib.asynccontextmanager
async def httpx_senders(
    url: str, body: bytes, headers: dict[str, str], n: int
) -> AsyncIterator[list[Send]]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def send() -> tuple[int, bytes]:
            response = await client.post(url, content=body, headers=headers)
            return response.status_code, response.content

        yield [send] * n


CLIENTS = {"raw": raw_senders, "httpx": httpx_senders}
