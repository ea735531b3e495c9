"""The event outbox: a change and its events commit together, and the relay moves
committed events onto the bus once, in order, surviving a bus outage."""

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
from redis.asyncio import Redis
from tortoise.transactions import in_transaction

from adapters.event_bus_memory import InProcessEventBus
from adapters.event_bus_redis import RedisStreamEventBus
from app import database
from app.outbox_relay import OutboxRelay
from domain import outbox
from domain.events import record
from domain.ports import Delivered, EventBus, SystemClock
from tests.factories import ADMIN, ManualClock, create_customer, create_ticket


async def take(bus: EventBus, after: str | None, count: int) -> list[Delivered]:
    found: list[Delivered] = []
    async with asyncio.timeout(5):
        async for delivered in bus.read(after):
            found.append(delivered)
            if len(found) == count:
                return found
    return found


async def test_a_rolled_back_change_emits_nothing(db: str, clock: ManualClock) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    await outbox.relay_all(InProcessEventBus())  # the creation, out of the way
    bus = InProcessEventBus()
    with contextlib.suppress(RuntimeError):
        async with in_transaction() as conn:
            await record(conn, ticket.id, ("ticket.updated",), ADMIN, clock.now())
            raise RuntimeError("the change failed after writing its event")
    assert await outbox.relay_all(bus) == 0


async def test_committed_events_are_published_once_in_order(db: str, clock: ManualClock) -> None:
    bus = InProcessEventBus()
    first = await create_ticket(await create_customer(), clock)
    second = await create_ticket(await create_customer(), clock)

    assert await outbox.relay_all(bus) == 2
    assert await outbox.relay_all(bus) == 0

    got = await take(bus, "0", 2)
    assert [(d.event.ticket_id, d.event.kind) for d in got] == [
        (first.id, "ticket.created"),
        (second.id, "ticket.created"),
    ]
    assert got[0].event.actor_role == "ADMIN"


@pytest.mark.redis
async def test_a_redis_outage_keeps_events_until_redis_returns(
    db: str, clock: ManualClock, redis_url: str
) -> None:
    down = RedisStreamEventBus(Redis.from_url("redis://127.0.0.1:1/0"), stream="fd:test:outage")
    ticket = await create_ticket(await create_customer(), clock)
    with pytest.raises(Exception):  # noqa: B017  (whatever the client raises)
        await outbox.relay_once(down)

    client = Redis.from_url(redis_url)
    stream = f"fd:test:outbox:{secrets.token_hex(4)}"  # event ids restart in each test database
    up = RedisStreamEventBus(client, stream=stream)
    try:
        assert await outbox.relay_all(up) == 1
        [delivered] = await take(up, "0-0", 1)
        assert (delivered.event.ticket_id, delivered.event.kind) == (ticket.id, "ticket.created")
        # the ticket's scope travels with the event: subscribers are checked against it
        assert delivered.event.customer_id == ticket.customer_id
    finally:
        await client.delete(stream, *[key async for key in client.scan_iter(f"{stream}:*")])
        await client.aclose()


@pytest.fixture
async def relay(database_url: str) -> AsyncIterator[InProcessEventBus]:
    """A relay that only a NOTIFY can wake (its poll is a minute)."""
    bus = InProcessEventBus()
    runner = OutboxRelay(database_url, bus, SystemClock(), poll_seconds=60)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)  # listening
    yield bus
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_the_relay_wakes_when_events_commit(
    db: str, clock: ManualClock, relay: InProcessEventBus
) -> None:
    reading = asyncio.create_task(take(relay, None, 1))
    await asyncio.sleep(0.1)
    ticket = await create_ticket(await create_customer(), clock)
    [delivered] = await reading
    assert (delivered.event.ticket_id, delivered.event.kind) == (ticket.id, "ticket.created")


async def test_writers_notify_only_while_a_relay_has_asked(
    db: str, clock: ManualClock, database_url: str
) -> None:
    """A NOTIFY serialises commits, so busy relays are not woken (migration 0011)."""
    listener = await asyncpg.connect(**database.credentials(database_url))
    heard: list[str] = []
    await listener.add_listener("frontdesk_outbox", lambda *args: heard.append(args[2]))
    try:
        await listener.execute("UPDATE outbox_wake SET listen_until = NULL")
        await create_ticket(await create_customer(), clock)
        await asyncio.sleep(0.2)
        assert heard == []

        until = await outbox.listen_for(listener, 5)
        await create_ticket(await create_customer(), clock)
        async with asyncio.timeout(5):
            while not heard:  # noqa: ASYNC110  (a notification from another backend)
                await asyncio.sleep(0.01)
        await outbox.stop_listening(listener, until)
        assert await listener.fetchval("SELECT listen_until FROM outbox_wake") is None
    finally:
        await listener.close()


async def test_a_relay_sleeps_only_once_every_writer_that_checked_has_committed(
    db: str, clock: ManualClock, database_url: str
) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    writer = await asyncpg.connect(**database.credentials(database_url))
    relay = await asyncpg.connect(**database.credentials(database_url))
    try:
        assert await outbox.writers_settled(relay)
        async with writer.transaction():
            await writer.execute(
                "INSERT INTO ticket_event (ticket_id, kind, actor_role, data, created_at) "
                "VALUES ($1, 'ticket.updated', 'SYSTEM', '{}', now())",
                ticket.id,
            )
            assert not await outbox.writers_settled(relay)  # it may not have seen a request
        assert await outbox.writers_settled(relay)
    finally:
        await writer.close()
        await relay.close()


async def test_a_transaction_that_commits_after_later_ones_is_still_published(
    db: str, clock: ManualClock, database_url: str
) -> None:
    """Progress is kept by transaction: an older one still open is looked at again."""
    ticket = await create_ticket(await create_customer(), clock)
    await outbox.relay_all(InProcessEventBus())  # the creation, out of the way
    bus = InProcessEventBus()
    slow = await asyncpg.connect(**database.credentials(database_url))
    try:
        tx = slow.transaction()
        await tx.start()
        await slow.execute(
            "INSERT INTO ticket_event (ticket_id, kind, actor_role, data, created_at) "
            "VALUES ($1, 'ticket.updated', 'SYSTEM', '{}', now())",
            ticket.id,
        )
        async with in_transaction() as conn:  # a younger transaction commits first
            await record(conn, ticket.id, ("ticket.replied",), ADMIN, clock.now())
        assert await outbox.relay_all(bus) == 1
        await tx.commit()
    finally:
        await slow.close()

    assert await outbox.relay_all(bus) == 1
    assert await outbox.relay_all(bus) == 0
    kinds = [d.event.kind for d in await take(bus, "0", 2)]
    assert sorted(kinds) == ["ticket.replied", "ticket.updated"]


async def test_a_round_publishes_everything_there_is_in_batches(
    db: str, clock: ManualClock
) -> None:
    tickets = [await create_ticket(await create_customer(), clock) for _ in range(5)]
    bus = InProcessEventBus()

    assert await outbox.relay_all(bus, batch=2) == 5
    assert await outbox.relay_all(bus, batch=2) == 0
    assert [d.event.ticket_id for d in await take(bus, "0", 5)] == [t.id for t in tickets]
