"""The Redis event bus beyond the shared contract: dedupe across instances, dropped
connections, an unreachable server, its own client, and lost cancellations."""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from adapters.event_bus_redis import RedisStreamEventBus
from tests.integration.test_event_bus_contract import Buses, Reader, events


@pytest.fixture
async def redis_buses(redis_url: str) -> AsyncIterator[Buses]:
    made = Buses(Redis.from_url(redis_url))
    yield made
    await made.close()


@pytest.mark.redis
async def test_two_redis_buses_on_one_stream_deduplicate_together(
    redis_buses: Buses, redis_url: str
) -> None:
    decoding = Redis.from_url(redis_url, decode_responses=True)  # either kind of client works
    try:
        one, two = redis_buses.make(), redis_buses.make(on=decoding)
        await one.publish(events(1, 2))
        await two.publish(events(2, 3))
        await two.publish(events(1))
        readers = [Reader(one, redis_buses.origin), Reader(two, redis_buses.origin)]
        for reader in readers:
            await reader.wait_for(3)
        await asyncio.sleep(0.1)
        for reader in readers:
            await reader.stop()
            assert reader.ids == [1, 2, 3]
            assert [d.event for d in reader.got] == events(1, 2, 3)
    finally:
        await decoding.aclose()


@pytest.mark.redis
async def test_a_redis_reader_survives_a_dropped_connection(
    redis_buses: Buses, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    buses = redis_buses
    name = f"frontdesk-test-{uuid.uuid4().hex[:12]}"
    # no retries in redis-py itself, so the bus's own recovery is what is tested
    reader_client = Redis.from_url(redis_url, client_name=name, retry=Retry(NoBackoff(), 0))
    assert buses.client is not None
    admin = buses.client

    async def kill_reader_connections() -> int:
        clients = await admin.client_list()
        ids = [c["id"] for c in clients if c.get("name") == name]
        for client_id in ids:
            await admin.client_kill_filter(_id=client_id)
        return len(ids)

    try:
        publisher, listener = buses.make(), buses.make(on=reader_client)
        await publisher.publish(events(1, 2, 3))
        caplog.set_level(logging.WARNING, logger="frontdesk.event_bus")
        reader = Reader(listener, buses.origin)
        await reader.wait_for(3)
        await asyncio.sleep(0.1)  # blocked in XREAD now
        assert await kill_reader_connections() >= 1
        await publisher.publish(events(4, 5, 6))
        await reader.wait_for(6)
        await asyncio.sleep(0.1)
        assert await kill_reader_connections() >= 1
        await asyncio.sleep(0.1)
        await publisher.publish(events(7))
        await reader.wait_for(7)
        await asyncio.sleep(0.1)
        await reader.stop()
        assert reader.ids == [1, 2, 3, 4, 5, 6, 7]
        assert any("event bus read failed" in r.getMessage() for r in caplog.records)
    finally:
        await reader_client.aclose()


async def test_publishing_to_an_unreachable_redis_raises() -> None:
    client = Redis.from_url(
        "redis://127.0.0.1:1/0", retry=Retry(NoBackoff(), 0), socket_connect_timeout=1
    )
    bus = RedisStreamEventBus(client)
    with pytest.raises(RedisConnectionError):
        await bus.publish(events(1))
    await bus.close()
    await client.aclose()


@pytest.mark.redis
async def test_a_bus_from_url_closes_its_own_client(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = f"frontdesk:test:events:{uuid.uuid4().hex}"
    bus = RedisStreamEventBus.from_url(redis_url, stream=stream, maxlen=10)
    client = bus._client
    closed: list[bool] = []
    original = client.aclose

    async def aclose() -> None:
        closed.append(True)
        await original()

    monkeypatch.setattr(client, "aclose", aclose)
    await bus.publish(events(1))
    await bus.close()
    assert closed == [True]
    with pytest.raises(RuntimeError, match="closed"):
        await bus.publish(events(2))
    other = Redis.from_url(redis_url)
    await other.delete(stream, f"{stream}:seen:1")
    await other.aclose()


@pytest.mark.redis
async def test_a_redis_reader_stops_even_when_redis_py_loses_the_cancellation(
    redis_buses: Buses, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Redis.from_url(redis_url)
    real_xread = client.xread

    async def swallowing_xread(*args: object, **kwargs: object) -> object:
        try:
            return await real_xread(*args, **kwargs)  # type: ignore[arg-type]
        except asyncio.CancelledError:
            return []  # as Python 3.11's wait_for does when the send had just completed

    monkeypatch.setattr(client, "xread", swallowing_xread)
    try:
        bus = redis_buses.make(on=client)
        await bus.publish(events(1))
        reader = Reader(bus, redis_buses.origin)
        await reader.wait_for(1)
        await asyncio.sleep(0.05)  # blocked in XREAD now
        await reader.stop()
        assert reader.task.cancelled()
    finally:
        await client.aclose()
