"""One reader per process over a shared bus, fanned out to every local subscriber.

Each subscription reading the Redis stream itself would hold a connection and
wake Redis once per subscriber per event: 10,000 dashboards, 10,000 readers. Here
one pump task reads the shared bus from "now" into an ``EventRing``, and local
readers follow the ring.

A reader resuming from a position the ring holds follows the ring from there. One
resuming from further back reads the shared bus itself until it reaches an event
the ring holds, then continues on the ring: nothing is missed or repeated, since
both carry the shared bus's positions in its order.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from adapters.event_ring import EventRing
from domain.ports import Delivered, DomainEvent, EventBus

log = logging.getLogger("frontdesk.event_bus")


class FanOutEventBus:
    """An ``EventBus`` that publishes to ``shared`` and serves reads from one local pump."""

    def __init__(
        self, shared: EventBus, keep: int = 10_000, behind: EventBus | None = None
    ) -> None:
        """``behind``: the bus readers catching up read (``shared`` if None); give it
        its own connections so a reconnect storm cannot starve the pump."""
        self._shared = shared
        self._behind = behind or shared
        self._keep = keep
        self._closed = False
        self._ring = EventRing(keep)
        self._seq_of: dict[str, int] = {}  # position -> ring sequence, for kept events
        self._pump: asyncio.Task[None] | None = None

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        await self._shared.publish(events)

    def read(self, after: str | None) -> AsyncIterator[Delivered]:
        """Like the shared bus's ``read``: a malformed or too-old ``after`` raises here
        or when iteration starts, as the shared bus decides."""
        if self._closed:
            raise RuntimeError("the event bus is closed")
        self._start_pump()
        if after is None:
            return self._ring.follow(self._ring.last)
        seq = self._seq_of.get(after)
        if seq is not None:
            return self._ring.follow(seq)
        return self._catch_up(self._behind.read(after))

    def _start_pump(self) -> None:
        if self._pump is None or self._pump.done():
            source = self._shared.read(None)  # "now" is fixed here where the bus can
            self._pump = asyncio.create_task(self._run_pump(source), name="frontdesk-event-fanout")

    async def _run_pump(self, source: AsyncIterator[Delivered]) -> None:
        ring = self._ring
        try:
            async for delivered in source:
                self._seq_of[delivered.position] = ring.last + 1
                gone = ring.append(delivered)
                if gone is not None:
                    del self._seq_of[gone.position]
                ring.wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # readers hear of it; the next read restarts the pump
            log.exception("event fan-out stopped reading the shared bus")
            # Readers on this ring raise and resubscribe with `after`; the next read
            # starts a fresh ring and pump, resuming from the shared bus.
            self._ring, self._seq_of = EventRing(self._keep), {}
            ring.fail(exc)

    async def _catch_up(self, behind: AsyncIterator[Delivered]) -> AsyncIterator[Delivered]:
        """From the shared bus until an event the ring holds, then from the ring."""
        ring, seq = self._ring, None
        async with contextlib.aclosing(behind):  # type: ignore[type-var]
            async for delivered in behind:
                yield delivered
                seq = self._seq_of.get(delivered.position)
                if seq is not None:
                    ring = self._ring  # the ring that numbering belongs to
                    break
        if seq is not None:
            async for delivered in ring.follow(seq):
                yield delivered

    async def close(self) -> None:
        """Ends every local reader and the pump, then closes the buses it reads."""
        self._closed = True
        self._ring.close()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        await self._shared.close()
        if self._behind is not self._shared:
            await self._behind.close()
