"""The ticket state machine, without a database."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import lifecycle
from domain.enums import SenderType, TicketStatus
from domain.errors import InvalidTransition
from domain.lifecycle import LifecycleState

S = TicketStatus
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def state(status: TicketStatus, **kw: object) -> LifecycleState:
    return LifecycleState(status=status, has_assignee=bool(kw.pop("assigned", False)), **kw)  # type: ignore[arg-type]


# Written out by hand, not derived from lifecycle.ALLOWED, so a wrong table fails.
EXPECTED_ALLOWED = {
    (S.OPEN, S.IN_PROGRESS), (S.OPEN, S.WAITING_ON_CUSTOMER), (S.OPEN, S.RESOLVED),
    (S.OPEN, S.CLOSED),
    (S.IN_PROGRESS, S.OPEN), (S.IN_PROGRESS, S.WAITING_ON_CUSTOMER),
    (S.IN_PROGRESS, S.RESOLVED), (S.IN_PROGRESS, S.CLOSED),
    (S.WAITING_ON_CUSTOMER, S.OPEN), (S.WAITING_ON_CUSTOMER, S.IN_PROGRESS),
    (S.WAITING_ON_CUSTOMER, S.RESOLVED), (S.WAITING_ON_CUSTOMER, S.CLOSED),
    (S.RESOLVED, S.OPEN), (S.RESOLVED, S.IN_PROGRESS), (S.RESOLVED, S.CLOSED),
}  # fmt: skip


@pytest.mark.parametrize(("source", "target"), sorted(EXPECTED_ALLOWED))
def test_allowed_transitions_change_the_status(source: TicketStatus, target: TicketStatus) -> None:
    change = lifecycle.change_status(state(source, assigned=True), target, NOW)
    assert change.state.status == target
    assert change.events[0] == "ticket.status_changed"


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in S for t in S if (s, t) not in EXPECTED_ALLOWED],
)
def test_other_transitions_are_refused(source: TicketStatus, target: TicketStatus) -> None:
    with pytest.raises(InvalidTransition):
        lifecycle.change_status(state(source, assigned=True), target, NOW)


@pytest.mark.parametrize("source", [S.OPEN, S.WAITING_ON_CUSTOMER, S.RESOLVED])
def test_in_progress_needs_an_assignee(source: TicketStatus) -> None:
    with pytest.raises(InvalidTransition, match="Assign the ticket"):
        lifecycle.change_status(state(source, assigned=False), S.IN_PROGRESS, NOW)


def test_closed_is_final() -> None:
    assert lifecycle.ALLOWED[S.CLOSED] == frozenset()


def test_resolving_stamps_resolved_at() -> None:
    change = lifecycle.change_status(state(S.IN_PROGRESS), S.RESOLVED, NOW)
    assert change.state.resolved_at == NOW


def test_closing_stamps_closed_at() -> None:
    assert lifecycle.change_status(state(S.RESOLVED), S.CLOSED, NOW).state.closed_at == NOW


@pytest.mark.parametrize("target", [S.OPEN, S.IN_PROGRESS])
def test_reopen_from_resolved_counts_and_clears_resolution(target: TicketStatus) -> None:
    change = lifecycle.change_status(
        state(S.RESOLVED, assigned=True, reopen_count=2, resolved_at=NOW), target, NOW
    )
    assert change.state.reopen_count == 3
    assert change.state.resolved_at is None
    assert change.events == ("ticket.status_changed", "ticket.reopened")


def test_first_public_agent_message_sets_first_response() -> None:
    change = lifecycle.add_message(state(S.OPEN), SenderType.AGENT, False, NOW)
    assert change.state.first_response_at == NOW
    assert "ticket.first_response" in change.events


def test_internal_note_is_not_a_first_response() -> None:
    change = lifecycle.add_message(state(S.OPEN), SenderType.AGENT, True, NOW)
    assert change.state.first_response_at is None


def test_later_agent_messages_keep_the_first_response_time() -> None:
    earlier = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    change = lifecycle.add_message(
        state(S.OPEN, first_response_at=earlier), SenderType.AGENT, False, NOW
    )
    assert change.state.first_response_at == earlier


@pytest.mark.parametrize(("assigned", "expected"), [(True, S.IN_PROGRESS), (False, S.OPEN)])
def test_customer_reply_while_waiting_resumes_the_ticket(
    assigned: bool, expected: TicketStatus
) -> None:
    change = lifecycle.add_message(
        state(S.WAITING_ON_CUSTOMER, assigned=assigned), SenderType.CUSTOMER, False, NOW
    )
    assert change.state.status == expected


def test_customer_reply_on_resolved_reopens() -> None:
    change = lifecycle.add_message(
        state(S.RESOLVED, resolved_at=NOW), SenderType.CUSTOMER, False, NOW
    )
    assert change.state.status == S.OPEN
    assert change.state.reopen_count == 1


def test_no_message_on_a_closed_ticket() -> None:
    with pytest.raises(InvalidTransition):
        lifecycle.add_message(state(S.CLOSED), SenderType.CUSTOMER, False, NOW)


@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_any_walk_keeps_the_invariants(targets: list[TicketStatus]) -> None:
    """Whatever is attempted: reopen_count never drops, CLOSED stays CLOSED."""
    current = state(S.OPEN, assigned=True)
    for target in targets:
        try:
            nxt = lifecycle.change_status(current, target, NOW).state
        except InvalidTransition:
            continue
        assert nxt.reopen_count >= current.reopen_count
        assert current.status != S.CLOSED
        assert (nxt.resolved_at is not None) == (nxt.status == S.RESOLVED) or nxt.status == S.CLOSED
        current = nxt
