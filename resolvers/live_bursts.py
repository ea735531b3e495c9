"""Bus events gathered into bursts: what a queue subscription turns into one update.

The bus is read by a task of its own into a bounded queue. A burst can then be
gathered with a deadline, which cancelling a read of the bus itself would not
allow: that would end the read. The bound makes a subscriber that falls behind
hold up only its own reader. The bus then tells it that it fell behind its
retention, rather than memory growing.

A shared execution (``gql.subscription_groups``) can also ask for a fresh listing
when a member joins. ``want_listing`` wakes a reader that is waiting for events,
so the new member does not wait for the next change.
"""

import asyncio
import contextlib
import enum
from collections import deque
from collections.abc import AsyncIterator

from domain.ports import Delivered

MAX_EVENTS = 500
"""The most events one burst holds; a long replay after ``after`` is split."""


class _Wake(enum.Enum):
    WAKE = "wake"


_Item = Delivered | BaseException | _Wake | None  # an event, a failure, a wake-up, the end


class Incoming:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize=MAX_EVENTS)
        self._early: deque[_Item] = deque()
        self._listing_wanted = False

    def want_listing(self) -> None:
        """Someone needs the whole list: have ``burst`` return soon if it is waiting."""
        self._listing_wanted = True
        with contextlib.suppress(asyncio.QueueFull):  # full: the reader is busy anyway
            self.queue.put_nowait(_Wake.WAKE)

    def listing_wanted(self) -> bool:
        """Whether a listing was asked for since the last call."""
        wanted, self._listing_wanted = self._listing_wanted, False
        return wanted

    def raise_early_failure(self) -> None:
        """Raise a refusal the bus gave at once (a malformed or too old ``after``), so
        it comes before the first message; what arrived with it waits in order."""
        while not self.queue.empty():
            self._early.append(self.queue.get_nowait())
        for item in self._early:
            if isinstance(item, BaseException):
                raise item

    async def _next(self) -> Delivered | _Wake | None:
        item = self._early.popleft() if self._early else await self.queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    async def burst(self, window: float) -> tuple[list[Delivered], bool]:
        """(the next burst: its first event and what follows within ``window`` seconds,
        whether the bus ended). Empty when a listing is wanted before any event came."""
        first = await self._next()
        while first is _Wake.WAKE:
            if self._listing_wanted:
                return [], False
            first = await self._next()  # a wake-up whose listing was already sent
        if first is None:
            return [], True
        burst = [first]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(window):
                while len(burst) < MAX_EVENTS:
                    item = await self._next()
                    if item is None:
                        return burst, True
                    if item is not _Wake.WAKE:
                        burst.append(item)
        return burst, False


@contextlib.asynccontextmanager
async def pumped(source: AsyncIterator[Delivered]) -> AsyncIterator[Incoming]:
    """``source`` read in the background for the life of the block. It starts before
    the block's body runs: the in-process bus fixes "now" at the first read, so a
    list loaded next misses no change made after it (Redis: see docs/live.md)."""
    incoming = Incoming()

    async def pump() -> None:
        try:
            async for delivered in source:
                await incoming.queue.put(delivered)
        except Exception as exc:  # noqa: BLE001  (handed to the reader, which raises it)
            await incoming.queue.put(exc)
            return
        await incoming.queue.put(None)

    task = asyncio.create_task(pump(), name="frontdesk-queue-subscription-reader")
    await asyncio.sleep(0)
    try:
        yield incoming
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()
