"""Queue diffs: a client that applies the changes as docs/live.md says holds exactly
the server's new list, and only what changed is reported."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.live import QueueFilter
from domain.ports import DomainEvent
from domain.queue_view import QueueChange, QueueChangeKind, QueueView, SortKey

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
INSERTED, MOVED, REMOVED = QueueChangeKind.INSERTED, QueueChangeKind.MOVED, QueueChangeKind.REMOVED


def key(rank: int, deadline: int | None = None, queued: int | None = 0) -> SortKey:
    """Minutes after T0 for the deadline and the time queued."""
    return SortKey(
        rank,
        None if deadline is None else T0 + timedelta(minutes=deadline),
        None if queued is None else T0 + timedelta(minutes=queued),
    )


def applied(ids: list[int], changes: list[QueueChange]) -> list[int]:
    """What a client does: take out removed and moved ones, then put each at its index."""
    gone = {c.ticket_id for c in changes if c.kind != INSERTED}
    out = [t for t in ids if t not in gone]
    for c in changes:
        if c.kind != REMOVED:
            assert c.index is not None
            out.insert(c.index, c.ticket_id)
    return out


def test_the_order_is_priority_then_soonest_deadline_then_time_queued_then_id() -> None:
    view = QueueView(
        {
            1: key(3),
            2: key(0, deadline=None, queued=1),
            3: key(0, deadline=30, queued=5),
            4: key(0, deadline=10, queued=9),
            5: key(0, deadline=None, queued=None),
            6: key(0, deadline=None, queued=1),
        }
    )
    assert view.ids == [4, 3, 2, 6, 5, 1]  # no deadline after one, no time queued last
    assert view.snapshot()[:2] == [
        QueueChange(INSERTED, 4, 0, None),
        QueueChange(INSERTED, 3, 1, None),
    ]


def test_a_new_ticket_is_inserted_where_it_sorts() -> None:
    view = QueueView({1: key(1), 2: key(2)})
    assert view.apply({3: key(1, queued=5)}) == [QueueChange(INSERTED, 3, 1, None)]
    assert view.ids == [1, 3, 2]


def test_a_raised_priority_moves_only_that_ticket() -> None:
    view = QueueView({1: key(2), 2: key(2, queued=1), 3: key(2, queued=2)})
    assert view.apply({3: key(0, queued=2)}) == [QueueChange(MOVED, 3, 0, 2)]
    assert view.ids == [3, 1, 2]


def test_a_ticket_dropping_to_the_end_is_one_move_not_one_per_ticket_it_passes() -> None:
    view = QueueView({t: key(1, queued=t) for t in range(1, 6)})
    assert view.apply({1: key(3, queued=1)}) == [QueueChange(MOVED, 1, 4, 0)]


def test_a_key_change_that_keeps_the_place_reports_nothing() -> None:
    view = QueueView({1: key(1, deadline=10), 2: key(1, deadline=50)})
    assert view.apply({1: key(1, deadline=40)}) == []
    assert view.apply({}) == []


def test_removals_come_first_highest_index_first_and_unknown_ids_are_ignored() -> None:
    view = QueueView({1: key(1), 2: key(1, queued=1), 3: key(1, queued=2)})
    changes = view.apply({1: None, 3: None, 99: None, 4: key(0)})
    assert changes == [
        QueueChange(REMOVED, 3, None, 2),
        QueueChange(REMOVED, 1, None, 0),
        QueueChange(INSERTED, 4, 0, None),
    ]
    assert view.ids == [4, 2]
    assert 2 in view and 1 not in view and len(view) == 2


def test_taking_moved_tickets_out_only_in_their_turn_would_go_wrong() -> None:
    """Why step 1 (take out removed and moved) finishes before step 2 (put)."""
    view = QueueView({9: key(1, queued=0), 5: key(1, queued=1), 1: key(1, queued=2)})
    old = view.ids
    changes = view.apply({9: key(1, queued=9), 5: key(1, queued=5), 1: key(1, queued=-1)})
    assert changes == [QueueChange(MOVED, 5, 1, 1), QueueChange(MOVED, 9, 2, 0)]
    assert applied(old, changes) == view.ids == [1, 5, 9]
    one_by_one = list(old)
    for c in changes:
        one_by_one.remove(c.ticket_id)
        one_by_one.insert(c.index or 0, c.ticket_id)
    assert one_by_one == [5, 1, 9]


ranks = st.integers(min_value=0, max_value=3)
minutes = st.one_of(st.none(), st.integers(min_value=0, max_value=5))
keys = st.builds(key, ranks, minutes, minutes)


@given(
    before=st.dictionaries(st.integers(0, 30), keys, max_size=25),
    refresh=st.dictionaries(st.integers(0, 40), st.one_of(st.none(), keys), max_size=15),
)
def test_applying_the_changes_to_the_old_list_gives_exactly_the_new_list(
    before: dict[int, SortKey], refresh: dict[int, SortKey | None]
) -> None:
    view = QueueView(before)
    old = view.ids

    changes = view.apply(refresh)

    after = {**before, **{t: k for t, k in refresh.items() if k is not None}}
    for t, k in refresh.items():
        if k is None:
            after.pop(t, None)
    expected = sorted(after, key=lambda t: after[t].order(t))
    assert view.ids == expected
    assert applied(old, changes) == expected
    # only refreshed tickets are reported, each at most once, with honest indexes
    assert {c.ticket_id for c in changes} <= set(refresh)
    assert len({c.ticket_id for c in changes}) == len(changes)
    for c in changes:
        assert c.previous_index == (old.index(c.ticket_id) if c.ticket_id in old else None)
        assert c.index == (expected.index(c.ticket_id) if c.kind != REMOVED else None)
        assert (c.kind == INSERTED) == (c.ticket_id not in old)
    # the order the docs promise: removals (highest first), then ascending index
    kinds = [c.kind for c in changes]
    assert kinds == sorted(kinds, key=lambda k: k != REMOVED)
    removed = [c.previous_index or 0 for c in changes if c.kind == REMOVED]
    assert removed == sorted(removed, reverse=True)
    placed = [c.index or 0 for c in changes if c.kind != REMOVED]
    assert placed == sorted(placed)
    # a refreshed ticket whose key did not change never moves because others did
    for c in changes:
        if c.kind == MOVED and c.ticket_id in before:
            assert refresh[c.ticket_id] != before[c.ticket_id] or _overtaken(
                old, expected, c.ticket_id
            )


def _overtaken(old: list[int], new: list[int], ticket_id: int) -> bool:
    """Whether some ticket present in both lists swapped sides with this one."""
    shared = [t for t in old if t in new]
    before_old = set(shared[: shared.index(ticket_id)])
    shared_new = [t for t in new if t in old]
    before_new = set(shared_new[: shared_new.index(ticket_id)])
    return before_old != before_new


def test_a_ticket_in_the_list_is_followed_whatever_team_its_events_name() -> None:
    def event(kind: str, team: int) -> DomainEvent:
        return DomainEvent(1, 7, kind, {}, "SYSTEM", None, T0, customer_id=3, team_id=team)

    team_a = QueueFilter(team_id=1)
    assert team_a.concerns(event("ticket.queued", 1), held=False)
    assert not team_a.concerns(event("ticket.widened", 2), held=False)  # not ours, not held
    assert team_a.concerns(event("ticket.widened", 2), held=True)  # leaving: must be removed
    assert team_a.concerns(event("ticket.updated", 1), held=True)  # a new priority moves it
    assert team_a.concerns(event("sla.paused", 1), held=True)  # its deadline moves
    assert not team_a.concerns(event("message.added", 1), held=True)  # its place cannot change
