"""The ticket lifecycle as a pure state machine: no database, no clock of its own.

Services load a ``LifecycleState``, ask this module what a change does, and
write the result with its events in one transaction.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from domain.enums import SenderType, TicketStatus
from domain.errors import InvalidTransition

S = TicketStatus

ALLOWED: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.WAITING_ON_CUSTOMER: frozenset({S.OPEN, S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.OPEN, S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
}
"""Every status may be left for these; CLOSED is final (a new ticket follows up)."""


@dataclass(frozen=True, slots=True)
class LifecycleState:
    status: TicketStatus
    has_assignee: bool
    reopen_count: int = 0
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """The new state plus the event kinds the change implies, in order."""

    state: LifecycleState
    events: tuple[str, ...]


def change_status(state: LifecycleState, target: TicketStatus, now: datetime) -> Change:
    if target == state.status:
        raise InvalidTransition(f"Ticket is already {target.value}.", field="status")
    if target not in ALLOWED[state.status]:
        raise InvalidTransition(
            f"A {state.status.value} ticket cannot become {target.value}.", field="status"
        )
    if target == S.IN_PROGRESS and not state.has_assignee:
        raise InvalidTransition(
            "Assign the ticket before moving it to IN_PROGRESS.", field="status"
        )
    new = replace(state, status=target)
    events = ["ticket.status_changed"]
    if state.status == S.RESOLVED and target in (S.OPEN, S.IN_PROGRESS):
        new = replace(new, reopen_count=state.reopen_count + 1, resolved_at=None)
        events.append("ticket.reopened")
    if target == S.RESOLVED:
        new = replace(new, resolved_at=now)
    if target == S.CLOSED:
        new = replace(new, closed_at=now)
    return Change(new, tuple(events))


def add_message(state: LifecycleState, sender: SenderType, internal: bool, now: datetime) -> Change:
    """What a new message does to the ticket besides being stored."""
    if state.status == S.CLOSED:
        raise InvalidTransition(
            "The ticket is closed; open a new ticket to continue.", field="ticketId"
        )
    events = ["message.added"]
    new = state
    if sender == SenderType.AGENT and not internal and state.first_response_at is None:
        new = replace(new, first_response_at=now)
        events.append("ticket.first_response")
    if sender == SenderType.CUSTOMER and state.status in (S.WAITING_ON_CUSTOMER, S.RESOLVED):
        resumed = S.IN_PROGRESS if state.has_assignee else S.OPEN
        change = change_status(new, resumed, now)
        new = change.state
        events.extend(change.events)
    return Change(new, tuple(events))
