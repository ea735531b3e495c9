"""The ``EventBus`` port inside one process: the embedded default.

Positions are increasing integers as strings ("1", "2", ...), counted from the
start of the process: they mean nothing to another process or after a restart.
The bus keeps the last ``keep`` events; a reader resumes from any position
still kept, and one that falls further behind than that gets ``ResumeTooOld``
rather than a silent gap.
"""

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence

from domain.ports import Delivered, DomainEvent, ResumeTooOld


def parse_position(after: str) -> int:
    """An in-process position, or ValueError saying what one looks like."""
    if not (after.isascii() and after.isdigit()):
        raise ValueError(f"Invalid event position {after!r}: expected a whole number like '42'")
    return int(after)


class InProcessEventBus:
    """Events in a bounded buffer, shared by any number of concurrent readers.

    Publishing appends and wakes the readers; it never waits for one. Each reader
    walks the shared buffer by position at its own pace.

    Deduplication by ``event_id`` remembers the ids still in the buffer, plus the
    highest id that has left it: an event with an id at or below that one is taken
    as published before. This relies on the outbox relay publishing in increasing
    ``event_id`` order (it does: it relays by id), so memory stays bounded by ``keep``.
    """

    def __init__(self, keep: int = 10_000) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self._keep = keep
        self._buffer: deque[Delivered] = deque()
        self._ids: set[int] = set()
        self._last = 0  # position of the newest event, 0 before any
        self._evicted_through = 0  # position of the newest event no longer kept
        self._evicted_max_id: int | None = None
        self._wakeup = asyncio.Event()
        self._closed = False

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        if self._closed:
            raise RuntimeError("the event bus is closed")
        added = False
        for event in events:
            if self._was_published(event.event_id):
                continue
            self._last += 1
            self._buffer.append(Delivered(position=str(self._last), event=event))
            self._ids.add(event.event_id)
            added = True
            while len(self._buffer) > self._keep:
                gone = self._buffer.popleft()
                self._ids.discard(gone.event.event_id)
                self._evicted_through = int(gone.position)
                gone_id = gone.event.event_id
                if self._evicted_max_id is None or gone_id > self._evicted_max_id:
                    self._evicted_max_id = gone_id
        if added:
            self._notify()

    def _was_published(self, event_id: int) -> bool:
        if event_id in self._ids:
            return True
        return self._evicted_max_id is not None and event_id <= self._evicted_max_id

    def _notify(self) -> None:
        wakeup, self._wakeup = self._wakeup, asyncio.Event()
        wakeup.set()

    def read(self, after: str | None) -> AsyncIterator[Delivered]:
        """Checks ``after`` and fixes "now" at the call, so nothing published after the
        call is missed; a position past the newest just waits for new events."""
        if after is None:
            cursor = self._last
        else:
            cursor = parse_position(after)
            self._check_kept(cursor)
            cursor = min(cursor, self._last)
        return self._follow(cursor)

    def _check_kept(self, cursor: int) -> None:
        if cursor < self._evicted_through:
            raise ResumeTooOld(
                f"position {cursor} is older than the events kept "
                f"(the oldest kept follows {self._evicted_through})"
            )

    async def _follow(self, cursor: int) -> AsyncIterator[Delivered]:
        while not self._closed:
            wakeup = self._wakeup
            while cursor < self._last:
                self._check_kept(cursor)  # a slow reader may have been overtaken
                delivered = self._buffer[cursor - self._evicted_through]
                cursor += 1
                yield delivered
                if self._closed:
                    return
                wakeup = self._wakeup
            await wakeup.wait()

    async def close(self) -> None:
        """Ends every reader's iteration; publishing afterwards raises."""
        self._closed = True
        self._notify()
