"""A ticket's SLA in the API: each target's deadline and status, the timeline that
explains it, and the ticket's escalations."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import Parent

from domain import models, sla_reads
from domain.sla_clock import View
from gql import ids
from gql.context import Info
from gql.types.common import UserError

if TYPE_CHECKING:
    from gql.types.tickets import Ticket
from gql.types.enums import EscalationReason, SlaStatus, SlaTarget, SupportTier


@strawberry.type
class SlaClock:
    """One promise (first response or resolution) as of the time of the request."""

    target: SlaTarget
    applies: bool = strawberry.field(description="False: no SLA; `reason` says why.")
    reason: str | None
    status: SlaStatus
    due_at: datetime | None = strawberry.field(
        description="The deadline (kept once met); null while paused or without SLA."
    )
    percent_elapsed: float | None
    elapsed_seconds: float = strawberry.field(description="Business seconds counted so far.")
    remaining_seconds: float | None = strawberry.field(description="Negative once breached.")
    target_minutes: float | None
    paused: bool
    met_at: datetime | None
    breached_at: datetime | None
    period: int = strawberry.field(description="Resolution periods start again on reopen.")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _clock(view: View | None) -> SlaClock | None:
    if view is None:
        return None
    return SlaClock(
        target=view.target,
        applies=view.applies,
        reason=view.note or None,
        status=view.status,
        due_at=view.due_at,
        percent_elapsed=view.percent_elapsed,
        elapsed_seconds=round(view.elapsed_seconds, 3),
        remaining_seconds=None
        if view.remaining_seconds is None
        else round(view.remaining_seconds, 3),
        target_minutes=None if view.target_seconds is None else view.target_seconds / 60,
        paused=view.paused,
        met_at=view.met_at,
        breached_at=view.breached_at,
        period=view.period,
    )


@strawberry.type
class SlaTimelineEntry:
    """One step of a clock's life: started, paused, resumed, warning, at_risk,
    breached, severe_breach, met, replanned, restarted, no_target, acknowledged."""

    kind: str
    at: datetime
    target: SlaTarget | None
    cause: str | None
    percent: float | None = strawberry.field(description="For warnings and breaches.")
    due_at: datetime | None
    actor_role: str


def _entry(event: models.TicketEvent) -> SlaTimelineEntry:
    data: dict[str, Any] = event.data or {}
    due = data.get("due_at")
    return SlaTimelineEntry(
        kind=event.kind.removeprefix("sla."),
        at=datetime.fromisoformat(data["at"]) if data.get("at") else event.created_at,
        target=data.get("target"),
        cause=data.get("cause"),
        percent=data.get("percent"),
        due_at=datetime.fromisoformat(due) if due else None,
        actor_role=event.actor_role,
    )


def _start(view: View, ticket_created: datetime) -> SlaTimelineEntry:
    """The first period's start, read from the clock (no event is written for it)."""
    return SlaTimelineEntry(
        kind="started" if view.applies else "no_target",
        at=view.started_at if view.period == 1 else ticket_created,
        target=view.target,
        cause="ticket created" if view.applies else view.note,
        percent=None,
        due_at=None,
        actor_role="SYSTEM",
    )


@strawberry.type
class TicketSla:
    ticket_id: strawberry.Private[int]
    created_at: strawberry.Private[datetime]
    view: strawberry.Private[sla_reads.TicketSla | None]
    breached: bool = strawberry.field(description="Any target of this ticket ever breached.")
    acknowledged_at: datetime | None = strawberry.field(
        description="A lead acknowledged; the rest of the escalation chain does not fire."
    )

    @strawberry.field
    def first_response(self) -> SlaClock | None:
        return _clock(self.view.first_response if self.view else None)

    @strawberry.field
    def resolution(self) -> SlaClock | None:
        return _clock(self.view.resolution if self.view else None)

    @strawberry.field
    def paused(self) -> bool:
        """Waiting on the customer: the clocks are stopped."""
        return self.view.paused if self.view else False

    @strawberry.field
    async def timeline(self, info: Info) -> list[SlaTimelineEntry]:
        """Why the clocks say what they say, oldest first."""
        events = await info.context.loaders.sla_timeline.load(self.ticket_id)
        starts = [_start(v, self.created_at) for v in self._views()]
        return sorted([*starts, *(_entry(e) for e in events)], key=lambda e: e.at)

    def _views(self) -> list[View]:
        if self.view is None:
            return []
        return [v for v in (self.view.first_response, self.view.resolution) if v is not None]


@strawberry.type
class Escalation:
    id: strawberry.ID
    from_tier: SupportTier
    to_tier: SupportTier
    from_agent_id: strawberry.ID | None
    to_agent_id: strawberry.ID | None
    reason: EscalationReason
    note: str
    target: SlaTarget | None
    escalated_by_role: str = strawberry.field(description="SYSTEM for automatic escalations.")
    escalated_by_id: strawberry.ID | None
    created_at: datetime


def escalation(row: models.Escalation) -> Escalation:
    def agent(pk: int | None) -> strawberry.ID | None:
        return None if pk is None else strawberry.ID(ids.encode("Agent", pk))

    return Escalation(
        id=strawberry.ID(str(row.id)),
        from_tier=row.from_tier,
        to_tier=row.to_tier,
        from_agent_id=agent(row.from_agent_id),
        to_agent_id=agent(row.to_agent_id),
        reason=row.reason,
        note=row.note,
        target=row.target,
        escalated_by_role=row.escalated_by_role,
        escalated_by_id=agent(row.escalated_by_id),
        created_at=row.created_at,
    )


@strawberry.type
class EscalationPayload:
    escalation: Escalation | None
    ticket: Annotated["Ticket", strawberry.lazy("gql.types.tickets")] | None
    user_errors: list[UserError]


@strawberry.input
class EscalateTicketInput:
    ticket_id: strawberry.ID
    reason: str = strawberry.field(description="Why, in words the next tier will read.")


async def ticket_sla(root: Parent[models.Ticket], info: Info) -> TicketSla:
    view = await info.context.loaders.sla.load(root.id)
    return TicketSla(
        ticket_id=root.id,
        created_at=root.created_at,
        view=view,
        breached=root.sla_breached,
        acknowledged_at=root.sla_acknowledged_at,
    )
