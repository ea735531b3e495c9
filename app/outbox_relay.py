"""Runs the outbox relay in an API process: wakes on PostgreSQL NOTIFY, publishes.

The relay sleeps on a dedicated connection LISTENing to ``frontdesk_outbox`` (a
trigger notifies when events commit, but only while a relay has asked for it: a
NOTIFY serialises commits, see migration 0011) and polls every ``poll_seconds``
as well, in case a notification was missed while the connection was being
re-established. While events keep coming it publishes in rounds ``linger_seconds``
apart and asks nobody to wake it.
While the bus is unavailable it backs off and retries; the events wait in the
outbox. Every API process runs one; the advisory lock in ``domain.outbox`` lets
one publish at a time.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg

from adapters.event_bus_fanout import FanOutEventBus
from adapters.event_bus_memory import InProcessEventBus
from adapters.event_bus_redis import RedisStreamEventBus
from app import database
from app.settings import Settings
from domain.outbox import listen_for, relay_all, stop_listening, writers_settled
from domain.ports import Clock, EventBus

log = logging.getLogger("frontdesk.outbox")
CHANNEL = "frontdesk_outbox"


SHARED_READERS_PER_PROCESS = 200
"""Redis connections the subscriptions of one process may hold while resuming from
further back than the local ring keeps (each until it reaches the ring); the
fan-out's pump has a client of its own."""


def build_event_bus(settings: Settings) -> tuple[EventBus, EventBus]:
    """(the bus subscriptions read, the bus the relay publishes to). Redis Streams when
    REDIS_URL is set (every API process sees every event), each with its own client so
    readers never starve publishing, and read through one local fan-out pump; else one
    in-process bus (the embedded default: one process)."""
    if settings.redis_url:
        stream = settings.event_stream
        pump = RedisStreamEventBus.from_url(settings.redis_url, max_connections=2, stream=stream)
        behind = RedisStreamEventBus.from_url(
            settings.redis_url, max_connections=SHARED_READERS_PER_PROCESS, stream=stream
        )
        readers = FanOutEventBus(pump, behind=behind)
        return readers, RedisStreamEventBus.from_url(settings.redis_url, stream=stream)
    bus = InProcessEventBus()
    return bus, bus


class OutboxRelay:
    def __init__(
        self,
        database_url: str,
        bus: EventBus,
        clock: Clock,
        *,
        poll_seconds: float = 1.0,
        linger_seconds: float = 0.025,
        quiet_seconds: float = 0.05,
    ) -> None:
        """``quiet_seconds``: after finding nothing for this long, ask writers to wake
        it and sleep; until then look again every ``linger_seconds``."""
        self._url = database_url
        self._bus = bus
        self._clock = clock
        self._poll = poll_seconds
        self._linger = linger_seconds
        self._quiet = quiet_seconds
        self._asked: datetime | None = None
        """Until when writers were asked to wake this relay (``outbox.listen_for``)."""
        self._quiet_rounds = 0
        self._wake = asyncio.Event()

    def _notified(self, *_: object) -> None:
        self._wake.set()

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            conn = await asyncpg.connect(**database.credentials(self._url))
            await conn.add_listener(CHANNEL, self._notified)
            return conn
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("Outbox relay cannot LISTEN (%s); polling until it can", exc)
            return None

    async def run(self) -> None:
        listener: asyncpg.Connection | None = None
        backoff = 0.5
        try:
            while True:
                if listener is None or listener.is_closed():
                    listener = await self._listen()
                self._wake.clear()
                try:
                    idle = await self._round(listener)
                    backoff = 0.5
                except Exception as exc:  # noqa: BLE001  (bus or database down: retry, keep events)
                    log.warning(
                        "Outbox relay: publishing failed (%s); retrying in %.1f s", exc, backoff
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if not idle:
                    # More will have committed meanwhile. A round costs PostgreSQL
                    # five statements and a transaction, so rounds go a little apart,
                    # not flat out: at 600 tickets a second, 10 ms apart the relay's
                    # rounds took more round trips to PostgreSQL than triage did.
                    await asyncio.sleep(self._linger)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)
        finally:
            if listener is not None and not listener.is_closed():
                if self._asked is not None:
                    with contextlib.suppress(Exception):  # else the request lapses by itself
                        await asyncio.wait_for(stop_listening(listener, self._asked), 1.0)
                await listener.close()

    async def _round(self, listener: asyncpg.Connection | None) -> bool:
        """Publish what is there; True when the relay may sleep until woken.

        Before sleeping it asks writers to wake it (the request lapses after two
        polls, should this process die), waits until every writer that may have
        checked before the request has committed, and looks once more.
        """
        if await relay_all(self._bus):
            self._quiet_rounds = 0
            await self._ask(listener, wake=False)
            return False
        self._quiet_rounds += 1
        if listener is None:
            return True
        if self._quiet_rounds * self._linger < self._quiet:
            return False  # a lull between events: asking writers would cost them more
        await self._ask(listener, wake=True)
        if not await writers_settled(listener):
            return False
        if await relay_all(self._bus):
            self._quiet_rounds = 0
            await self._ask(listener, wake=False)
            return False
        return True

    async def _ask(self, listener: asyncpg.Connection | None, *, wake: bool) -> None:
        """On the LISTEN connection: outside any transaction, and the relay's own."""
        if listener is None:
            return
        if wake:
            self._asked = await listen_for(listener, 2 * self._poll)
        elif self._asked is not None:
            await stop_listening(listener, self._asked)
            self._asked = None


@contextlib.asynccontextmanager
async def relaying(database_url: str, bus: EventBus, clock: Clock) -> AsyncIterator[OutboxRelay]:
    """The relay running in the background for the life of the block."""
    relay = OutboxRelay(database_url, bus, clock)
    task = asyncio.create_task(relay.run(), name="frontdesk-outbox-relay")
    try:
        yield relay
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
