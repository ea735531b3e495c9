"""A bounded, in-memory run of delivered events that any number of readers follow.

Shared by the in-process event bus (the whole bus lives here) and the fan-out bus
(one process's copy of a shared bus): appending never waits for a reader, and each
reader walks the ring by sequence number at its own pace. A reader that falls
further behind than the ring keeps gets ``ResumeTooOld`` rather than a silent gap.
"""

import asyncio
from collections import deque
from collections.abc import AsyncIterator

from domain.ports import Delivered, ResumeTooOld


class EventRing:
    """Events numbered 1, 2, 3 … in arrival order; the newest ``keep`` are kept."""

    def __init__(self, keep: int) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self._keep = keep
        self._buffer: deque[Delivered] = deque()
        self.last = 0
        """Sequence number of the newest event, 0 before any."""
        self.evicted_through = 0
        """Sequence number of the newest event no longer kept."""
        self._wakeup = asyncio.Event()
        self._closed = False
        self._failure: BaseException | None = None

    def append(self, delivered: Delivered) -> Delivered | None:
        """Adds one event (readers are woken by ``wake``); returns the one evicted, if any."""
        self.last += 1
        self._buffer.append(delivered)
        if len(self._buffer) <= self._keep:
            return None
        self.evicted_through += 1
        return self._buffer.popleft()

    def wake(self) -> None:
        wakeup, self._wakeup = self._wakeup, asyncio.Event()
        wakeup.set()

    def check_kept(self, seq: int) -> None:
        """Raises ``ResumeTooOld`` unless every event after ``seq`` is still kept."""
        if seq < self.evicted_through:
            raise ResumeTooOld(
                f"position {seq} is older than the events kept "
                f"(the oldest kept follows {self.evicted_through})"
            )

    async def follow(self, seq: int) -> AsyncIterator[Delivered]:
        """Every event after number ``seq``, then each new one, until closed."""
        while not self._closed:
            wakeup = self._wakeup
            while seq < self.last:
                self.check_kept(seq)  # a slow reader may have been overtaken
                delivered = self._buffer[seq - self.evicted_through]
                seq += 1
                yield delivered
                if self._closed:
                    return
                wakeup = self._wakeup
            if self._failure is not None:
                raise RuntimeError("the events feeding this reader stopped") from self._failure
            await wakeup.wait()

    def fail(self, cause: BaseException) -> None:
        """No more events will come: readers raise once they have read what is kept."""
        self._failure = cause
        self.wake()

    def close(self) -> None:
        """Ends every reader's iteration."""
        self._closed = True
        self.wake()

    @property
    def closed(self) -> bool:
        return self._closed
