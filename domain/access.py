"""Who may see and do what: pure rules over a ``Principal``.

Read rules come in two forms that must agree: a predicate for one object and
a query filter for lists. Objects a principal may not see are reported as not
found, so a guessed id tells nothing about what exists.
"""

from dataclasses import dataclass

from tortoise.expressions import Q

from domain.enums import Role, TicketStatus
from domain.errors import Forbidden, Unauthenticated

STAFF = frozenset({Role.AGENT, Role.LEAD, Role.ADMIN})
SEES_ALL_TICKETS = frozenset({Role.LEAD, Role.ADMIN, Role.PARTNER})
CUSTOMER_STATUSES = frozenset({TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED})
"""A customer may reopen a solved ticket, mark one solved or close it; nothing else."""


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    token_id: int
    name: str = ""
    customer_id: int | None = None
    agent_id: int | None = None
    team_id: int | None = None
    client_id: str | None = None
    """The client (an app instance) this request came from, when it says
    (``X-Client-Id``); stored on the events it causes so a subscription from the
    same client can leave them out."""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def sees_internal_notes(self) -> bool:
        return self.role in STAFF


def audience(p: Principal) -> tuple[object, ...]:
    """What decides which tickets, events and fields ``p`` may see: principals with
    the same audience see the same, so a live update computed for one serves all."""
    if p.role in SEES_ALL_TICKETS:
        return (p.role,)
    if p.role == Role.CUSTOMER:
        return (p.role, p.customer_id)
    if p.role == Role.AGENT:
        return (p.role, p.team_id, p.agent_id)
    return (p.role, p.token_id)


def authenticated(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("Sign in with an 'Authorization: Bearer <token>' header.")
    return principal


def sees_teams(p: Principal | None) -> bool:
    """Teams (names, tiers, leads) are for staff and partner integrations, not customers."""
    return p is not None and (p.is_staff or p.role == Role.PARTNER)


def can_see_ticket(
    p: Principal, customer_id: int, team_id: int | None, assignee_id: int | None
) -> bool:
    if p.role in SEES_ALL_TICKETS:
        return True
    if p.role == Role.CUSTOMER:
        return customer_id == p.customer_id
    if p.role == Role.AGENT:
        return (team_id is not None and team_id == p.team_id) or (
            assignee_id is not None and assignee_id == p.agent_id
        )
    return False


def ticket_filter(p: Principal) -> Q | None:
    """The list form of ``can_see_ticket``; None means every ticket."""
    if p.role in SEES_ALL_TICKETS:
        return None
    if p.role == Role.CUSTOMER:
        return Q(customer_id=p.customer_id)
    if p.role == Role.AGENT:
        return Q(team_id=p.team_id) | Q(assignee_id=p.agent_id)
    return Q(id=-1)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise Forbidden(message)


def require_staff(p: Principal, action: str) -> None:
    require(p.is_staff, f"Only agents, leads and admins may {action}.")


def require_admin(p: Principal, action: str) -> None:
    require(p.role == Role.ADMIN, f"Only admins may {action}.")


def check_status_target(p: Principal, target: TicketStatus) -> None:
    """Before the ticket is read: statuses this role may never set."""
    if p.is_staff:
        return
    require(
        p.role == Role.CUSTOMER and target in CUSTOMER_STATUSES,
        f"You may not set a ticket to {target.value}.",
    )


def check_status_change(p: Principal, current: TicketStatus, target: TicketStatus) -> None:
    """With the ticket read: a customer reopens (back to OPEN) only a solved ticket."""
    if p.role == Role.CUSTOMER and target == TicketStatus.OPEN:
        require(current == TicketStatus.RESOLVED, "You may reopen only a solved ticket.")


def check_assign(p: Principal, agent_id: int) -> None:
    require_staff(p, "assign tickets")
    if p.role == Role.AGENT:
        require(agent_id == p.agent_id, "Agents may assign tickets only to themselves.")


def check_take(p: Principal, current_assignee: int | None) -> None:
    """Agents take unassigned tickets; moving a colleague's ticket is a lead's call."""
    if p.role == Role.AGENT:
        require(
            current_assignee is None or current_assignee == p.agent_id,
            "Agents may take only unassigned tickets; ask a lead to reassign this one.",
        )


def check_availability(p: Principal, agent_id: int, agent_team_id: int) -> None:
    if p.role == Role.ADMIN or agent_id == p.agent_id:
        return
    require(
        p.role == Role.LEAD and agent_team_id == p.team_id,
        "You may change the availability of yourself only (leads: their team).",
    )
