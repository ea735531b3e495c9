"""API tests talk HTTP to the real ASGI app (in-process transport, real database)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from gql.app import build_app
from tests.factories import ManualClock

MAX_BODY = 256 * 1024


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def client(db: str, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(clock=clock, max_body_bytes=MAX_BODY, graphiql=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://frontdesk.test") as c:
        yield c
