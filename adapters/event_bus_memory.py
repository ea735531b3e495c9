"""The ``EventBus`` port inside one process: the embedded default.

Positions are "<run>.<n>": the run is drawn when the process starts and n counts
from 1, so a position from before a restart is recognised as such (and refused
with ``ResumeTooOld``) instead of silently meaning a different event. "0" is the
start of what is kept.
The bus keeps the last ``keep`` events; a reader resumes from any position
still kept, and one that falls further behind than that gets ``ResumeTooOld``
rather than a silent gap.
"""

import asyncio
import re
import secrets
from collections import deque
from collections.abc import AsyncIterator, Sequence

from domain.ports import Delivered, DomainEvent, ResumeTooOld

_POSITION = re.compile(r"([0-9a-f]{8})\.([0-9]{1,18})")


def parse_position(after: str) -> tuple[str, int]:
    """(run, number) of an in-process position, or ValueError saying what one looks like."""
    if after == "0":
        return "", 0
    found = _POSITION.fullmatch(after)
    if found is None:
        raise ValueError(f"Invalid event position {after!r}: expected one like '1f2e3d4c.42'")
    return found.group(1), int(found.group(2))


class InProcessEventBus:
    """Events in a bounded buffer, shared by any number of concurrent readers.

    Publishing appends and wakes the readers; it never waits for one. Each reader
    walks the shared buffer by position at its own pace.

    Deduplication by ``event_id`` remembers the ids still in the buffer: the outbox
    relay only ever publishes again what it published moments before (a crash
    between publishing and stamping). Ids are not assumed to arrive in order: a
    transaction may commit a lower id after higher ones were published.
    """

    def __init__(self, keep: int = 10_000) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self._keep = keep
        self._buffer: deque[Delivered] = deque()
        self._ids: set[int] = set()
        self._last = 0  # position of the newest event, 0 before any
        self._evicted_through = 0  # position of the newest event no longer kept
        self._run = secrets.token_hex(4)
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
            position = f"{self._run}.{self._last}"
            self._buffer.append(Delivered(position=position, event=event))
            self._ids.add(event.event_id)
            added = True
            while len(self._buffer) > self._keep:
                gone = self._buffer.popleft()
                self._ids.discard(gone.event.event_id)
                self._evicted_through = parse_position(gone.position)[1]
        if added:
            self._notify()

    def _was_published(self, event_id: int) -> bool:
        return event_id in self._ids

    def _notify(self) -> None:
        wakeup, self._wakeup = self._wakeup, asyncio.Event()
        wakeup.set()

    def read(self, after: str | None) -> AsyncIterator[Delivered]:
        """Checks ``after`` and fixes "now" at the call, so nothing published after the
        call is missed; a position past the newest just waits for new events."""
        if after is None:
            cursor = self._last
        else:
            run, cursor = parse_position(after)
            if run and run != self._run:
                raise ResumeTooOld("the position is from before the server restarted")
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
