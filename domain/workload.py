"""Agents' workload as staff dashboards follow it live: which agents an event
changed, read afresh, and which of them a subscriber may see.

The events say *who* changed; the numbers are always read from the agent rows at
the time of the update, never taken from the event, so an update shows the load
as it is now even when it arrives late (a resume, a Redis outage).
"""

from domain import capacity, directory
from domain.access import Principal
from domain.enums import Role
from domain.models import Agent
from domain.ports import DomainEvent

AGENT_KINDS = frozenset({"agent.availability_changed", "agent.updated"})
"""An agent's own changes: availability; max_tickets, seniority or tier."""

TICKET_KINDS = frozenset(
    {
        "ticket.assigned",
        "ticket.unassigned",
        "ticket.status_changed",
        "ticket.reopened",
        "ticket.escalated",
    }
)
"""Ticket changes that can move an agent's count (assign, take away, resolve or close,
reopen onto them, escalate to someone else)."""

_ACTIVE = frozenset(s.value for s in capacity.ACTIVE)


def concerned(event: DomainEvent) -> list[int]:
    """The agents whose load or availability ``event`` changed, old assignee first.

    A reassignment names both agents in its data (``from``/``to``; an escalation
    ``from_agent``/``to_agent``). A status change names nobody: its agent is the
    ticket's assignee, as the relay read it when publishing.
    """
    if event.kind in AGENT_KINDS:
        found = [event.agent_id]
    elif event.kind == "ticket.assigned":
        found = [event.data.get("from"), event.data.get("to")]
    elif event.kind == "ticket.escalated":
        found = [event.data.get("from_agent"), event.data.get("to_agent")]
    elif event.kind in TICKET_KINDS and _may_move_load(event):
        found = [event.assignee_id]
    else:
        return []
    return list(dict.fromkeys(i for i in found if isinstance(i, int)))


def _may_move_load(event: DomainEvent) -> bool:
    """False for a status change that stays on one side of active (OPEN -> IN_PROGRESS):
    the count only moves when a ticket starts or stops holding capacity."""
    before, after = event.data.get("from"), event.data.get("to")
    if event.kind != "ticket.status_changed" or not isinstance(before, str):
        return True  # a customer's reply reopening a ticket carries no statuses
    return (before in _ACTIVE) != (after in _ACTIVE)


def may_follow(p: Principal, agent_team_id: int) -> bool:
    """Workload is staff business, and an agent sees only their own team's."""
    return p.is_staff and (p.role != Role.AGENT or p.team_id == agent_team_id)


async def agents_now(p: Principal, agent_ids: list[int], team_id: int | None) -> list[Agent]:
    """The agents, read afresh (one query), that ``p`` may follow now, of ``team_id``
    (None: of any team); in the order given."""
    if not agent_ids:
        return []
    rows = await directory.by_ids(Agent, agent_ids)
    return [
        a
        for a in rows
        if a is not None and (team_id is None or a.team_id == team_id) and may_follow(p, a.team_id)
    ]


def utilisation(agent: Agent) -> float:
    """Share of capacity in use (1.0 full; above 1 after max_tickets was lowered)."""
    return agent.current_ticket_count / agent.max_tickets if agent.max_tickets > 0 else 0.0
