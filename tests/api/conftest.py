"""API tests talk HTTP to the real ASGI app (in-process transport, real database)."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from gql.app import build_app
from tests.api.refusals import masked_errors
from tests.factories import ManualClock

MAX_BODY = 256 * 1024


@pytest.fixture(autouse=True)
def nothing_is_masked(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every API test fails if any error reached a client as a masked server error."""
    yield
    assert masked_errors(caplog.records) == []


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def client(db: str, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(clock=clock, max_body_bytes=MAX_BODY, graphiql=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://frontdesk.test") as c:
        yield c
