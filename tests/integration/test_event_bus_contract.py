"""The ``EventBus`` contract, run against the in-process bus and the Redis stream bus.

Every read is bounded by ``asyncio.timeout`` so a broken adapter fails fast
instead of hanging the run.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from adapters.event_bus_fanout import FanOutEventBus
from adapters.event_bus_memory import InProcessEventBus
from adapters.event_bus_redis import RedisStreamEventBus
from domain.ports import Delivered, DomainEvent, EventBus, ResumeTooOld

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def event(event_id: int) -> DomainEvent:
    return DomainEvent(
        event_id=event_id,
        ticket_id=100 + event_id % 3,
        kind="message_added",
        data={"n": event_id, "text": "héllo", "tags": ["a", 1, None]},
        actor_role="agent" if event_id % 2 else "system",
        actor_id=7 if event_id % 2 else None,
        created_at=START + timedelta(seconds=event_id),
        client_id="tab-1" if event_id % 2 else None,
    )


def events(*ids: int) -> list[DomainEvent]:
    return [event(i) for i in ids]


class Buses:
    """Makes buses of one kind for one test (Redis ones share a fresh stream), and
    cleans up after it. ``origin`` is the position before the first event."""

    def __init__(self, client: Redis | None, fanout: bool = False) -> None:
        self.kind = "memory" if client is None else "redis"
        self.fanout = fanout
        self.origin = "0" if client is None else "0-0"
        self.client = client
        self.stream = f"frontdesk:test:events:{uuid.uuid4().hex}"
        self.made: list[EventBus] = []

    def make(self, small: bool = False, on: Redis | None = None) -> EventBus:
        """``small`` keeps only 5 events (exact trimming); ``on`` is another Redis client."""
        bus: EventBus
        if self.client is None:
            bus = InProcessEventBus(keep=5 if small else 10_000)
        elif small:
            bus = RedisStreamEventBus(
                on or self.client, self.stream, 5, 200, approximate=False, count=2
            )
        else:
            bus = RedisStreamEventBus(on or self.client, self.stream, block_ms=200)
        if self.fanout:  # one local pump over the shared bus, as API processes read it
            bus = FanOutEventBus(bus, keep=5 if small else 10_000)  # closes the shared one
        self.made.append(bus)
        return bus

    async def close(self) -> None:
        for bus in self.made:
            await bus.close()
        if self.client is not None:
            seen = [key async for key in self.client.scan_iter(match=f"{self.stream}:seen:*")]
            await self.client.delete(self.stream, *seen)
            await self.client.aclose()


class Reader:
    """Iterates ``bus.read(after)`` in a task, pausing ``delay`` seconds after each event."""

    def __init__(self, bus: EventBus, after: str | None, delay: float = 0.0) -> None:
        self.got: list[Delivered] = []
        self._delay = delay
        self.task = asyncio.create_task(self._run(bus.read(after)))

    async def _run(self, iterator: AsyncIterator[Delivered]) -> None:
        async for delivered in iterator:
            self.got.append(delivered)
            if self._delay:
                await asyncio.sleep(self._delay)

    @property
    def ids(self) -> list[int]:
        return [d.event.event_id for d in self.got]

    async def wait_for(self, count: int, seconds: float = 5.0) -> None:
        async with asyncio.timeout(seconds):
            while len(self.got) < count:
                if self.task.done():
                    self.task.result()
                    raise AssertionError(f"the reader stopped after {self.ids}")
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.task.cancel()
        done, _ = await asyncio.wait({self.task}, timeout=5)
        assert done, "the reader ignored its cancellation"


async def first(bus: EventBus, after: str | None) -> Delivered:
    async with asyncio.timeout(5):
        return await anext(aiter(bus.read(after)))


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),
        "fanout-memory",
        pytest.param("fanout-redis", marks=pytest.mark.redis),
    ]
)
def bus_kind(request: pytest.FixtureRequest) -> tuple[str | None, bool]:
    """(None for in-process, else the Redis URL; whether a fan-out reads it). The Redis
    URL is asked for only then: memory needs no Redis."""
    kind: str = request.param
    fanout = kind.startswith("fanout-")
    if kind.endswith("memory"):
        return None, fanout
    url: str = request.getfixturevalue("redis_url")
    return url, fanout


@pytest.fixture
async def buses(bus_kind: tuple[str | None, bool]) -> AsyncIterator[Buses]:
    url, fanout = bus_kind
    made = Buses(None if url is None else Redis.from_url(url), fanout)
    yield made
    await made.close()


async def test_read_from_now_sees_only_later_events(buses: Buses) -> None:
    bus = buses.make()
    await bus.publish(events(1, 2, 3))
    reader = Reader(bus, None)
    # "now" is fixed when the read starts; publish until the reader sees something
    next_id = 4
    async with asyncio.timeout(5):
        while not reader.got:
            await bus.publish(events(next_id))
            next_id += 1
            await asyncio.sleep(0.05)
    await bus.publish(events(next_id, next_id + 1))
    await reader.wait_for(len(range(reader.ids[0], next_id + 2)))
    await reader.stop()
    assert reader.ids[0] >= 4
    assert reader.ids == list(range(reader.ids[0], next_id + 2))
    if buses.kind == "memory":
        assert reader.ids[0] == 4  # the in-process bus fixes "now" at the call


async def test_read_after_a_position_replays_then_follows(buses: Buses) -> None:
    bus = buses.make()
    await bus.publish(events(1, 2, 3, 4, 5))
    everything = Reader(bus, buses.origin)
    await everything.wait_for(5)
    assert everything.ids == [1, 2, 3, 4, 5]
    assert [d.event for d in everything.got] == events(1, 2, 3, 4, 5)  # survives the trip
    positions = [d.position for d in everything.got]
    assert len(set(positions)) == 5

    resumed = Reader(bus, positions[1])
    await resumed.wait_for(3)
    await bus.publish(events(6, 7))
    await resumed.wait_for(5)
    await everything.wait_for(7)
    await asyncio.sleep(0.1)
    await resumed.stop()
    await everything.stop()
    assert resumed.ids == [3, 4, 5, 6, 7]
    assert [d.position for d in resumed.got] == [d.position for d in everything.got[2:]]


async def test_an_agents_own_event_and_every_scope_field_survive_the_trip(buses: Buses) -> None:
    bus = buses.make()
    about_agent = DomainEvent(
        event_id=1,
        ticket_id=None,  # an agent's own change: no ticket
        kind="agent.availability_changed",
        data={"from": True, "to": False},
        actor_role="LEAD",
        actor_id=3,
        created_at=START,
        team_id=2,
        agent_id=9,
    )
    about_ticket = replace(event(2), customer_id=4, team_id=2, assignee_id=9, category_id=1)
    await bus.publish([about_agent, about_ticket])
    reader = Reader(bus, buses.origin)
    await reader.wait_for(2)
    await reader.stop()
    assert [d.event for d in reader.got] == [about_agent, about_ticket]


async def test_a_position_past_the_newest_waits_for_new_events(buses: Buses) -> None:
    bus = buses.make()
    await bus.publish(events(1))
    last = (await first(bus, buses.origin)).position
    reader = Reader(bus, last)
    await asyncio.sleep(0.1)
    assert reader.got == []
    await bus.publish(events(2))
    await reader.wait_for(1)
    await reader.stop()
    assert reader.ids == [2]


async def test_publishing_an_event_again_delivers_it_once(buses: Buses) -> None:
    bus = buses.make()
    await bus.publish(events(1, 2, 3))
    await bus.publish(events(2, 3, 4))
    await bus.publish(events(4, 5, 5))
    await bus.publish([])
    reader = Reader(bus, buses.origin)
    await reader.wait_for(5)
    await bus.publish(events(1, 6))
    await reader.wait_for(6)
    await asyncio.sleep(0.1)
    await reader.stop()
    assert reader.ids == [1, 2, 3, 4, 5, 6]


async def test_concurrent_readers_each_get_every_event_in_the_same_order(buses: Buses) -> None:
    bus = buses.make()
    one, two = Reader(bus, buses.origin), Reader(bus, buses.origin)
    for batch in ([1], [2, 3, 4], [5], [6, 7, 8, 9, 10], [11, 12]):
        await bus.publish(events(*batch))
        await asyncio.sleep(0)
    await one.wait_for(12)
    await two.wait_for(12)
    await one.stop()
    await two.stop()
    assert one.ids == list(range(1, 13))
    assert [d.position for d in one.got] == [d.position for d in two.got]


async def test_a_slow_reader_holds_up_neither_publish_nor_a_fast_reader(buses: Buses) -> None:
    bus = buses.make()
    slow = Reader(bus, buses.origin, delay=0.5)
    fast = Reader(bus, buses.origin)
    async with asyncio.timeout(1):
        for i in range(1, 11):
            await bus.publish(events(i))
    await fast.wait_for(10, seconds=2)
    assert len(slow.got) <= 2
    await slow.stop()
    await fast.stop()
    assert fast.ids == list(range(1, 11))


async def test_resuming_after_a_trimmed_position_raises(buses: Buses) -> None:
    bus = buses.make(small=True)  # keeps 5
    await bus.publish(events(1, 2, 3))
    early = Reader(bus, buses.origin)
    await early.wait_for(3)
    await early.stop()
    p1, p2, p3 = (d.position for d in early.got)
    await bus.publish(events(4, 5, 6, 7, 8))  # 1, 2 and 3 are gone

    for lost in (buses.origin, p1, p2):
        with pytest.raises(ResumeTooOld):
            await first(bus, lost)
    # after the last trimmed one nothing is missing
    reader = Reader(bus, p3)
    await reader.wait_for(5)
    await reader.stop()
    assert reader.ids == [4, 5, 6, 7, 8]


async def test_a_reader_overtaken_by_trimming_raises_instead_of_skipping(buses: Buses) -> None:
    bus = buses.make(small=True)
    await bus.publish(events(1, 2))
    slow = Reader(bus, buses.origin, delay=0.3)
    await slow.wait_for(1)
    await bus.publish(events(3, 4, 5, 6, 7, 8))  # trims 1, 2 and 3
    async with asyncio.timeout(5):
        with pytest.raises(ResumeTooOld):
            await slow.task
    assert slow.ids in ([1], [1, 2])


@pytest.mark.parametrize("position", ["abc", "", "-1", "1.5", "1-x", "١٢"])
async def test_a_malformed_position_raises_value_error(buses: Buses, position: str) -> None:
    bus = buses.make()
    await bus.publish(events(1))
    with pytest.raises(ValueError, match="position"):
        await first(bus, position)


async def test_close_ends_readers(buses: Buses) -> None:
    bus = buses.make()
    reader = Reader(bus, None)
    await asyncio.sleep(0.05)
    await bus.close()
    async with asyncio.timeout(2):
        await reader.task
    assert reader.got == []


async def test_an_in_process_position_from_before_a_restart_is_refused() -> None:
    before = InProcessEventBus()
    await before.publish(events(1, 2))
    position = (await first(before, "0")).position
    after_restart = InProcessEventBus()
    await after_restart.publish(events(3, 4, 5))
    with pytest.raises(ResumeTooOld):
        await first(after_restart, position)


async def test_a_fan_out_reader_from_far_back_catches_up_then_joins_the_ring() -> None:
    """Events from before the pump started come from the shared bus, the rest from the
    local ring: in order, none twice, and the reader then waits on the ring."""
    shared = InProcessEventBus()
    fanout = FanOutEventBus(shared, keep=100)
    await shared.publish(events(1, 2, 3))
    live = Reader(fanout, None)  # starts the pump: the ring begins after event 3
    await fanout.publish(events(4, 5))
    await live.wait_for(2)
    behind = Reader(fanout, "0")
    await behind.wait_for(5)
    await fanout.publish(events(6))
    await behind.wait_for(6)
    await live.wait_for(3)
    assert behind.ids == [1, 2, 3, 4, 5, 6]
    assert [d.position for d in behind.got[3:]] == [d.position for d in live.got]
    await behind.stop()
    await live.stop()
    await fanout.close()


async def test_a_fan_out_catches_up_through_its_own_reader_bus() -> None:
    """Catching up reads the ``behind`` bus (its own connections), the pump ``shared``."""
    shared, behind = InProcessEventBus(), InProcessEventBus()
    await behind.publish(events(1, 2))
    fanout = FanOutEventBus(shared, keep=100, behind=behind)
    reader = Reader(fanout, "0")
    await reader.wait_for(2)
    assert reader.ids == [1, 2]
    await reader.stop()
    await fanout.close()


async def test_a_fan_out_resuming_inside_the_ring_never_touches_the_shared_bus() -> None:
    shared = InProcessEventBus()
    fanout = FanOutEventBus(shared, keep=100)
    live = Reader(fanout, None)
    await asyncio.sleep(0)
    await fanout.publish(events(1, 2, 3))
    await live.wait_for(3)

    def refuse(after: str | None) -> AsyncIterator[Delivered]:
        raise AssertionError("read the shared bus")

    shared.read = refuse  # type: ignore[method-assign]
    resumed = Reader(fanout, live.got[0].position)
    await resumed.wait_for(2)
    assert resumed.ids == [2, 3]
    await resumed.stop()
    await live.stop()
    await fanout.close()
