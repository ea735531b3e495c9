"""Escalation: move a ticket up a tier (or to a senior agent) through routing.

Manual (``escalateTicket``) and automatic (an SLA at risk or breached) escalations
take the same path: the current agent lets go, routing picks an agent of the next
tier (or queues the ticket there), an ``Escalation`` record says who moved it
from where to where and why (and counts towards the customer's escalation
history, ``triage_sql.ESCALATIONS``), a ``ticket.escalated`` event tells the
dashboards, and the team lead is notified through the outbox.
"""

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import access, capacity, notifications, queues, sla_alerts, text_rules
from domain.access import Principal
from domain.enums import (
    EscalationAction,
    EscalationReason,
    Role,
    SlaTarget,
    SupportTier,
    TicketStatus,
)
from domain.errors import InvalidInput, InvalidTransition
from domain.events import record
from domain.intake_reference import TeamInfo
from domain.models import Escalation, Ticket
from domain.routing import Target
from domain.sla_alerts import AlertSettings
from domain.ticket_writes import TicketWrites
from domain.tickets import locked_visible
from domain.triage_inputs import Intake

NEXT_TIER = {SupportTier.L1: SupportTier.L2, SupportTier.L2: SupportTier.L3}
MAX_NOTE = 2000


def _target(ticket: Ticket, teams: dict[int, TeamInfo]) -> Target:
    """The next tier up in the team's overflow team when it has one at that tier,
    else in the same team; past the top tier, a senior agent."""
    tier = SupportTier(ticket.support_tier)
    upper = NEXT_TIER.get(tier)
    team_id = ticket.team_id
    team = teams.get(team_id) if team_id is not None else None
    if upper is not None and team is not None and team.overflow_team_id is not None:
        overflow = teams.get(team.overflow_team_id)
        if overflow is not None and overflow.tier >= upper:
            team_id = overflow.id
    return Target(
        team_id=team_id,
        category_id=ticket.category_id,
        support_tier=upper or tier,
        requires_senior=upper is None or ticket.requires_senior,
    )


async def escalate_locked(
    conn: BaseDBAsyncClient,
    ticket: Ticket,
    intake: Intake,
    alerts: AlertSettings,
    *,
    reason: EscalationReason,
    actor: Principal | None,
    now: datetime,
    note: str = "",
    target: SlaTarget | None = None,
) -> Escalation:
    """Escalate a ticket whose row the caller has locked."""
    if TicketStatus(ticket.status) not in capacity.ACTIVE:
        raise InvalidTransition(
            f"A {ticket.status} ticket cannot be escalated; reopen it first.", field="ticketId"
        )
    ref = await intake.reference.get(conn, ticket.category_id)
    goal = _target(ticket, dict(ref.teams))
    previous = ticket.assignee_id
    from_tier = SupportTier(ticket.support_tier)
    if previous is not None:
        await capacity.release(conn, previous)
    writes = TicketWrites(ticket)
    writes.set(assignee_id=None)
    if ticket.status == TicketStatus.IN_PROGRESS:
        writes.set(status=TicketStatus.OPEN)  # back to IN_PROGRESS when the new agent starts
    outcome = await intake.route(conn, writes, goal, ref.teams, now)
    writes.event(
        "ticket.escalated",
        reason=reason.value,
        from_tier=from_tier.value,
        to_tier=goal.support_tier.value,
        from_agent=previous,
        to_agent=outcome.agent_id,
        note=note,
        target=target.value if target else None,
    )
    await writes.flush(conn, actor, now)
    if previous is not None:
        await queues.fill_agent(conn, previous, now)
    escalation = await Escalation.create(
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        from_tier=from_tier,
        to_tier=goal.support_tier,
        from_agent_id=previous,
        to_agent_id=outcome.agent_id,
        reason=reason,
        note=note,
        target=target,
        escalated_by_role=actor.role.value if actor else "SYSTEM",
        escalated_by_id=actor.agent_id if actor else None,
        created_at=now,
        using_db=conn,
    )
    where = f"agent #{outcome.agent_id}" if outcome.agent_id else "the queue"
    detail = (
        f"Escalated ({reason.value}) from {from_tier.value} to {goal.support_tier.value}; "
        f"now with {where}." + (f"\nNote: {note}" if note else "")
    )
    alert = sla_alerts.Alert(
        EscalationAction.NOTIFY_LEAD,
        "ticket.escalated",
        "Escalated",
        detail,
        f"escalation:{escalation.id}",
    )
    drafts = await sla_alerts.drafts_for(conn, ticket.id, alert, alerts)
    await notifications.enqueue(conn, drafts, now)
    return escalation


async def escalate(
    p: Principal,
    ticket_id: int,
    reason_text: str,
    intake: Intake,
    alerts: AlertSettings,
) -> tuple[Escalation, Ticket]:
    """``escalateTicket``: staff move a ticket up with a reason they write."""
    access.require_staff(p, "escalate tickets")
    note = text_rules.body(reason_text, "reason", "Reason")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"The reason is limited to {MAX_NOTE} characters.", field="reason")
    now = intake.clock.now()
    async with in_transaction() as conn:
        ticket = await locked_visible(conn, p, ticket_id)
        manual = EscalationReason.MANUAL
        done = await escalate_locked(
            conn, ticket, intake, alerts, reason=manual, actor=p, now=now, note=note
        )
    return done, ticket


async def acknowledge(p: Principal, ticket_id: int, now: datetime) -> Ticket:
    """A lead has seen it: the rest of this period's escalation chain does not fire."""
    access.require(
        p.role in (Role.LEAD, Role.ADMIN), "Only leads and admins acknowledge SLA alerts."
    )
    async with in_transaction() as conn:
        ticket = await locked_visible(conn, p, ticket_id)
        ticket.sla_acknowledged_at = now  # again after a reopen: it covers the new period
        ticket.updated_at = now
        await ticket.save(using_db=conn, update_fields=["sla_acknowledged_at", "updated_at"])
        await record(conn, ticket.id, ("sla.acknowledged",), p, now)
    return ticket
