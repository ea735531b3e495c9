"""Live updates: which committed events a subscriber gets, decided per subscriber.

Every event on the bus carries the ticket's scope as it was when the relay
published it (customer, team, assignee, category). A subscriber gets an event
only if the same rules that guard reads let them see that ticket, and a customer
or partner never gets an internal note or the routing and SLA internals (they
would reveal teams, agents' workload and targets).
"""

from dataclasses import dataclass

from domain import access
from domain.access import Principal
from domain.ports import DomainEvent

QUEUE_KINDS = frozenset(
    {
        "ticket.created",
        "ticket.triaged",
        "ticket.assigned",
        "ticket.unassigned",
        "ticket.queued",
        "ticket.needs_triage",
        "ticket.status_changed",
        "ticket.reopened",
        "ticket.escalated",
        "ticket.category_corrected",
    }
)
"""What changes a queue: a ticket arriving, being routed, taken or leaving."""

PLACE_KINDS = frozenset({"ticket.updated", "ticket.widened"})
"""What else can move or remove a ticket already in a queue: a new priority, a move
to the fallback team (and SLA clock changes, which move its deadline)."""

CUSTOMER_KINDS = frozenset(
    {"ticket.created", "message.added", "ticket.status_changed", "ticket.reopened"}
)
"""What a customer's own-ticket view shows: the conversation and the status."""


@dataclass(frozen=True, slots=True)
class QueueFilter:
    team_id: int | None = None
    category_id: int | None = None

    def matches(self, event: DomainEvent) -> bool:
        if event.kind not in QUEUE_KINDS:
            return False
        if self.team_id is not None and event.team_id != self.team_id:
            return False
        return self.category_id is None or event.category_id == self.category_id

    def concerns(self, event: DomainEvent, held: bool) -> bool:
        """Whether a live queue view must look at this event. ``held``: the ticket is
        in the subscriber's list. Then its scope does not matter: a ticket leaving
        for another team carries that team's scope, yet must leave this list."""
        if held:
            return event.kind in QUEUE_KINDS or event.kind in PLACE_KINDS or is_sla(event)
        return self.matches(event)


def may_see(p: Principal, event: DomainEvent) -> bool:
    """Whether this subscriber may receive this event at all."""
    if event.customer_id is None:
        return False  # no scope: the ticket is gone; tell nobody
    if not access.can_see_ticket(p, event.customer_id, event.team_id, event.assignee_id):
        return False
    if event.data.get("internal") and not p.sees_internal_notes:
        return False
    if p.is_staff:
        return True
    return event.kind in CUSTOMER_KINDS


def is_sla(event: DomainEvent) -> bool:
    return event.kind.startswith("sla.")
