"""The server's mirror of the ordered list a queue subscriber holds, and its diffs.

A dashboard shows a queue as a list and wants to be told how to change it, not
to reload it: which tickets were inserted, moved or removed, and where. The
server keeps the same list (ticket ids in queue order, with each one's sort key)
and, when events touch some tickets, compares their fresh keys with it.

Queue order is ``routing_sql.QUEUE_ORDER``: priority rank, then the soonest
running SLA deadline (none sorts last), then time queued (none sorts last, as
PostgreSQL sorts NULL in ascending order), then id.

How a client applies one update's changes (they come in this order):

1. take out every REMOVED and every MOVED ticket (find them by id, or by
   ``previous_index``: removed ones come highest index first);
2. then put each INSERTED and MOVED ticket at ``index``, in the order given
   (ascending ``index``).

Step 1 must finish before step 2. Taking a MOVED ticket out only when its turn
comes in step 2 does not always work. For example, take ``[Z, M, A]`` becoming
``[A, M, Z]`` with A kept in place: moving M to index 1 gives ``[Z, M, A]``, and
then moving Z to index 2 gives ``[M, A, Z]``.

Only tickets whose keys were refreshed can appear in the changes. Tickets no
event touched keep their relative order, so they never move. A refreshed ticket
that still sits between the same untouched neighbours, in the same order with
the other refreshed ones, is left alone even if its key changed (for example,
an SLA deadline that moved but did not overtake anyone). The update's events
carry its fresh data.
"""

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeAlias

_EARLIEST = datetime.min.replace(tzinfo=UTC)

Order: TypeAlias = tuple[int, bool, datetime, bool, datetime, int]


class QueueChangeKind(StrEnum):
    INSERTED = "INSERTED"
    MOVED = "MOVED"
    REMOVED = "REMOVED"


@dataclass(frozen=True, slots=True)
class SortKey:
    """Where a ticket sorts in its queue, as ``QUEUE_ORDER`` reads it."""

    priority_rank: int
    deadline: datetime | None
    queued_at: datetime | None

    def order(self, ticket_id: int) -> Order:
        return (
            self.priority_rank,
            self.deadline is None,
            self.deadline or _EARLIEST,
            self.queued_at is None,
            self.queued_at or _EARLIEST,
            ticket_id,
        )


@dataclass(frozen=True, slots=True)
class QueueChange:
    """``index``: 0-based place after the update (None when removed);
    ``previous_index``: place before it (None when inserted)."""

    kind: QueueChangeKind
    ticket_id: int
    index: int | None
    previous_index: int | None


class QueueView:
    """Ticket ids in queue order, with their keys; ``apply`` moves it forward."""

    def __init__(self, members: Mapping[int, SortKey]) -> None:
        self._keys = dict(members)
        self._ids = sorted(self._keys, key=self._order)

    def _order(self, ticket_id: int) -> Order:
        return self._keys[ticket_id].order(ticket_id)

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self._keys

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[int]:
        return list(self._ids)

    def snapshot(self) -> list[QueueChange]:
        """The whole list as INSERTED changes, in order: what a client builds from."""
        return [QueueChange(QueueChangeKind.INSERTED, t, i, None) for i, t in enumerate(self._ids)]

    def apply(self, refreshed: Mapping[int, SortKey | None]) -> list[QueueChange]:
        """Take fresh keys for some tickets (None: not in this queue now). Returns the
        changes that bring a client's copy of the list to the new list."""
        old = self._ids
        old_index = {t: i for i, t in enumerate(old)}
        for ticket_id, key in refreshed.items():
            if key is None:
                self._keys.pop(ticket_id, None)
            else:
                self._keys[ticket_id] = key
        present = [t for t in refreshed if t in self._keys]
        # Timsort merges the untouched run, already in order, with the few refreshed.
        new = sorted([t for t in old if t not in refreshed] + present, key=self._order)
        self._ids = new
        new_index = {t: i for i, t in enumerate(new)}

        removed = sorted(
            (t for t in refreshed if t in old_index and t not in self._keys),
            key=old_index.__getitem__,
            reverse=True,
        )
        kept = _kept_in_place(old, new, refreshed)
        placed = sorted((t for t in present if t not in kept), key=new_index.__getitem__)
        return [
            *(QueueChange(QueueChangeKind.REMOVED, t, None, old_index[t]) for t in removed),
            *(
                QueueChange(
                    QueueChangeKind.MOVED if t in old_index else QueueChangeKind.INSERTED,
                    t,
                    new_index[t],
                    old_index.get(t),
                )
                for t in placed
            ),
        ]


def _untouched_before(ids: Iterable[int], touched: Mapping[int, object]) -> dict[int, int]:
    """For each touched id: how many untouched ids come before it."""
    seen = 0
    gaps = {}
    for t in ids:
        if t in touched:
            gaps[t] = seen
        else:
            seen += 1
    return gaps


def _kept_in_place(old: list[int], new: list[int], touched: Mapping[int, object]) -> set[int]:
    """The refreshed tickets that need no change: those in both lists that keep their
    untouched neighbours, and among them the longest run that keeps its order."""
    gap_old = _untouched_before(old, touched)
    gap_new = _untouched_before(new, touched)
    new_index = {t: i for i, t in enumerate(new)}
    candidates = [t for t in old if t in gap_old and gap_new.get(t) == gap_old[t]]
    return set(_longest_increasing(candidates, new_index))


def _longest_increasing(ids: list[int], rank: Mapping[int, int]) -> list[int]:
    """The longest subsequence of ``ids`` whose ranks increase (patience sorting)."""
    tails: list[int] = []  # ranks ending the best run of each length
    tail_at: list[int] = []  # position in ``ids`` of that run's last element
    parent = [-1] * len(ids)
    for i, t in enumerate(ids):
        length = bisect.bisect_left(tails, rank[t])
        if length == len(tails):
            tails.append(rank[t])
            tail_at.append(i)
        else:
            tails[length] = rank[t]
            tail_at[length] = i
        parent[i] = tail_at[length - 1] if length else -1
    out = []
    at = tail_at[-1] if tail_at else -1
    while at != -1:
        out.append(ids[at])
        at = parent[at]
    return out[::-1]
