"""Reading SLA state for the API: each ticket's clocks as of now, its timeline and
escalations, in batches so a page of tickets costs a constant number of queries."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise import connections

from domain import sla, sla_clock
from domain.enums import SlaTarget
from domain.models import Escalation, TicketEvent
from domain.sla_clock import View
from domain.sla_terms import SHARED, TermsCache


@dataclass(frozen=True)
class TicketSla:
    ticket_id: int
    first_response: View | None
    resolution: View | None
    policy_id: int | None

    @property
    def paused(self) -> bool:
        return any(v is not None and v.paused for v in (self.first_response, self.resolution))


async def ticket_slas(
    ticket_ids: Sequence[int], now: datetime, cache: TermsCache = SHARED
) -> list[TicketSla | None]:
    """Live views (percent elapsed, status, due) of each ticket's clocks; None for a
    ticket whose clocks have not started (triage has not run yet)."""
    conn = connections.get("default")
    _, rows = await conn.execute_query(
        "SELECT * FROM sla_clock WHERE ticket_id = ANY($1::int[])", [list(ticket_ids)]
    )
    terms = await cache.get(conn)
    views: dict[int, dict[SlaTarget, View]] = {}
    policies: dict[int, int | None] = {}
    for row in rows:
        clock = sla.clock_from(dict(row))
        calendar = terms.calendar(clock.calendar_id)
        views.setdefault(row["ticket_id"], {})[clock.target] = sla_clock.view(clock, calendar, now)
        if clock.target == SlaTarget.RESOLUTION:
            policies[row["ticket_id"]] = clock.policy_id
    return [
        TicketSla(
            t,
            views[t].get(SlaTarget.FIRST_RESPONSE),
            views[t].get(SlaTarget.RESOLUTION),
            policies.get(t),
        )
        if t in views
        else None
        for t in ticket_ids
    ]


async def timelines(ticket_ids: Sequence[int]) -> list[list[TicketEvent]]:
    """Each ticket's SLA events (started, paused, resumed, warnings, breach, met...)."""
    found: dict[int, list[TicketEvent]] = {t: [] for t in ticket_ids}
    events = TicketEvent.filter(ticket_id__in=list(ticket_ids), kind__startswith="sla.")
    for event in await events.order_by("id"):
        if event.ticket_id is not None:  # always: filtered by ticket (agent events have none)
            found[event.ticket_id].append(event)
    return [found[t] for t in ticket_ids]


async def escalations(ticket_ids: Sequence[int]) -> list[list[Escalation]]:
    found: dict[int, list[Escalation]] = {t: [] for t in ticket_ids}
    for row in await Escalation.filter(ticket_id__in=list(ticket_ids)).order_by("id"):
        found[row.ticket_id].append(row)
    return [found[t] for t in ticket_ids]
