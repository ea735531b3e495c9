"""The ``EventBus`` port inside one process: the embedded default.

Positions are "<run>.<n>": the run is drawn when the process starts and n counts
from 1, so a position from before a restart is recognised as such (and refused
with ``ResumeTooOld``) instead of silently meaning a different event. "0" is the
start of what is kept.
The bus keeps the last ``keep`` events; a reader resumes from any position
still kept, and one that falls further behind than that gets ``ResumeTooOld``
rather than a silent gap.
"""

import re
import secrets
from collections.abc import AsyncIterator, Sequence

from adapters.event_ring import EventRing
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
    """Events in a bounded ring (``EventRing``), shared by any number of readers.

    Publishing appends and wakes the readers; it never waits for one.

    Deduplication by ``event_id`` remembers the ids still in the ring: the outbox
    relay only ever publishes again what it published moments before (a crash
    between publishing and stamping). Ids are not assumed to arrive in order: a
    transaction may commit a lower id after higher ones were published.
    """

    def __init__(self, keep: int = 10_000) -> None:
        self._ring = EventRing(keep)
        self._ids: set[int] = set()
        self._run = secrets.token_hex(4)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        if self._ring.closed:
            raise RuntimeError("the event bus is closed")
        added = False
        for event in events:
            if event.event_id in self._ids:
                continue
            position = f"{self._run}.{self._ring.last + 1}"
            gone = self._ring.append(Delivered(position=position, event=event))
            self._ids.add(event.event_id)
            if gone is not None:
                self._ids.discard(gone.event.event_id)
            added = True
        if added:
            self._ring.wake()

    def read(self, after: str | None) -> AsyncIterator[Delivered]:
        """Checks ``after`` and fixes "now" at the call, so nothing published after the
        call is missed; a position past the newest just waits for new events."""
        if after is None:
            cursor = self._ring.last
        else:
            run, cursor = parse_position(after)
            if run and run != self._run:
                raise ResumeTooOld("the position is from before the server restarted")
            self._ring.check_kept(cursor)
            cursor = min(cursor, self._ring.last)
        return self._ring.follow(cursor)

    async def close(self) -> None:
        """Ends every reader's iteration; publishing afterwards raises."""
        self._ring.close()
