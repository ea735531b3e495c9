"""Frontdesk as an in-process ASGI app, called without a socket or uvicorn.

The profile wants Frontdesk's own cost per request (auth, Strawberry,
graphql-core, DataLoaders, Tortoise, asyncpg, orjson) without HTTP parsing and
without a second process to attach to. So the app ``frontdesk serve`` builds is
created here, in the profiling process, with its lifespan running and the bench
database's environment, and called with hand-built ASGI messages.
"""

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from bench_database import NOT_PASSED_ON, BenchDatabase

Asgi = Callable[..., Awaitable[None]]


def asgi_caller(app: Asgi, body: bytes, token: str) -> Callable[[], Awaitable[tuple[int, bytes]]]:
    """A function that POSTs ``body`` to ``app``'s /graphql and returns (status, body)."""
    headers = [
        (b"host", b"bench"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {token}".encode()),
        (b"content-length", str(len(body)).encode()),
    ]

    async def call() -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        messages = iter([{"type": "http.request", "body": body, "more_body": False}])
        status, chunks = 0, []

        async def receive() -> dict[str, Any]:
            return next(messages, {"type": "http.disconnect"})

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return call


@contextlib.asynccontextmanager
async def frontdesk_app(db: BenchDatabase) -> AsyncIterator[Asgi]:
    """``create_app`` as ``frontdesk serve`` builds it, with its lifespan running."""
    for name in NOT_PASSED_ON:
        os.environ.pop(name, None)
    os.environ.update(db.env)
    from app.runtime import create_app  # noqa: PLC0415  (after the environment is set)
    from app.settings import load_settings  # noqa: PLC0415

    app = create_app(load_settings(), db.url)
    async with app.router.lifespan_context(app):
        yield app
