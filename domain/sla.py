"""SLA clocks follow their ticket: one reconciliation for every change.

Whatever changed (triage set the priority, an agent replied, the ticket waits on
the customer, was resolved or reopened, a customer's tier or a policy changed),
the service compares the clocks with the ticket and asks ``domain.sla_clock``
for the transitions: start, pause, resume, meet, re-plan or restart. Callers
hold the ticket's row lock, so clock changes serialise with the ticket's.
"""

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from domain import sla_clock
from domain.access import Principal
from domain.enums import ClockState, CustomerTier, Priority, SlaTarget, TicketStatus
from domain.events import record_each
from domain.sla_clock import Clock, Timeline
from domain.sla_sql import RECORD_BREACHES, TICKET_CLOCKS, UPSERT_CLOCKS
from domain.sla_terms import SHARED, SlaTerms, TermsCache

DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
_CLOCK_FIELDS = {f.name for f in fields(Clock)}
_TIMES = ("started_at", "running_since", "due_at", "next_check_at", "breached_at", "met_at")


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the clocks depend on."""

    priority: Priority
    tier: CustomerTier
    status: TicketStatus
    created_at: datetime
    first_response_at: datetime | None


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def clock_from(row: dict[str, Any]) -> Clock:
    """A clock from a ``sla_clock`` row or its JSON form."""
    data = {k: v for k, v in row.items() if k in _CLOCK_FIELDS}
    for name in _TIMES:
        data[name] = _time(data.get(name))
    data["target"] = SlaTarget(data["target"])
    data["state"] = ClockState(data["state"])
    data["checkpoint_levels"] = tuple(float(v) for v in data.get("checkpoint_levels") or ())
    data["checkpoint_at"] = tuple(_time(v) for v in data.get("checkpoint_at") or ())
    return Clock(**data)


def clocks_json(clocks: Iterable[Clock]) -> str:
    return orjson.dumps(list(clocks)).decode()


def _wanted(target: SlaTarget, facts: TicketFacts) -> ClockState:
    if facts.status in DONE:
        return ClockState.MET
    if target == SlaTarget.FIRST_RESPONSE and facts.first_response_at is not None:
        return ClockState.MET
    if facts.status == TicketStatus.WAITING_ON_CUSTOMER:
        return ClockState.PAUSED
    return ClockState.RUNNING


def _follow(
    clock: Clock | None,
    target: SlaTarget,
    facts: TicketFacts,
    terms: SlaTerms,
    *,
    now: datetime,
    cause: str,
    force_replan: bool = False,
) -> tuple[Clock, Timeline]:
    wanted_terms = terms.terms(facts.priority, facts.tier, target)
    calendar = terms.calendar(wanted_terms.calendar_id)
    timeline: Timeline = []
    if clock is None:
        clock, timeline = sla_clock.start(target, wanted_terms, calendar, facts.created_at, now)
    elif force_replan or (clock.policy_id, clock.target_seconds, clock.calendar_id) != (
        wanted_terms.policy_id,
        wanted_terms.seconds,
        wanted_terms.calendar_id,
    ):
        old = terms.calendar(clock.calendar_id)
        clock, timeline = sla_clock.replan(clock, wanted_terms, (old, calendar), now, cause)
    wanted = _wanted(target, facts)
    step: Timeline = []
    if clock.state == wanted:
        pass
    elif wanted == ClockState.MET:
        met_at = facts.first_response_at if target == SlaTarget.FIRST_RESPONSE else None
        clock, step = sla_clock.meet(clock, calendar, max(met_at or now, clock.started_at), cause)
    elif clock.state == ClockState.MET:
        if target == SlaTarget.RESOLUTION:
            clock, step = sla_clock.restart(clock, wanted_terms, calendar, now, cause)
            if wanted == ClockState.PAUSED:
                clock, more = sla_clock.pause(clock, calendar, now, cause)
                step += more
    elif wanted == ClockState.PAUSED:
        clock, step = sla_clock.pause(clock, calendar, now, cause)
    else:
        clock, step = sla_clock.resume(clock, wanted_terms, calendar, now, cause)
    return clock, timeline + step


def reconcile(
    existing: dict[SlaTarget, Clock],
    facts: TicketFacts,
    terms: SlaTerms,
    now: datetime,
    cause: str,
    *,
    force_replan: bool = False,
) -> tuple[list[Clock], Timeline]:
    """The clocks a change alters (to save) and their timeline entries. With
    ``force_replan`` every clock is planned again (its calendar changed)."""
    changed: list[Clock] = []
    timeline: Timeline = []
    for target in SlaTarget:
        before = existing.get(target)
        after, entries = _follow(
            before, target, facts, terms, now=now, cause=cause, force_replan=force_replan
        )
        if after != before:
            changed.append(after)
        timeline += entries
    return changed, timeline


def existing_from_json(raw: Any) -> dict[SlaTarget, Clock]:
    rows = orjson.loads(raw) if isinstance(raw, (str, bytes)) else (raw or [])
    found = (clock_from(r) for r in rows)
    return {c.target: c for c in found}


async def follow(
    conn: BaseDBAsyncClient,
    ticket: Any,
    now: datetime,
    cause: str,
    *,
    actor: Principal | None = None,
    cache: TermsCache = SHARED,
) -> list[Clock]:
    """Bring a locked ticket's clocks in line with it (call after changing it)."""
    _, rows = await conn.execute_query(TICKET_CLOCKS, [ticket.id])
    if not rows:
        return []
    terms = await cache.get(conn)
    facts = TicketFacts(
        Priority(ticket.priority),
        CustomerTier(rows[0]["tier"]),
        TicketStatus(ticket.status),
        ticket.created_at,
        ticket.first_response_at,
    )
    changed, timeline = reconcile(existing_from_json(rows[0]["clocks"]), facts, terms, now, cause)
    await save(conn, ticket.id, changed, timeline, now, actor=actor)
    return changed


async def save(
    conn: BaseDBAsyncClient,
    ticket_id: int,
    changed: list[Clock],
    timeline: Timeline,
    now: datetime,
    *,
    actor: Principal | None = None,
) -> None:
    if changed:
        await conn.execute_query(UPSERT_CLOCKS.sql, [[ticket_id], [clocks_json(changed)], [now]])
    breaches = _late_stops(changed, timeline)
    if breaches:
        await conn.execute_query(RECORD_BREACHES, [ticket_id, orjson.dumps(breaches).decode()])
    await record_each(conn, ticket_id, timeline, actor, now)


def _late_stops(changed: list[Clock], timeline: Timeline) -> list[dict[str, Any]]:
    """Breaches a stopping clock recorded itself (``sla_clock._breach_unswept``)."""
    policies = {c.target.value: c.policy_id for c in changed}
    return [
        {
            "target": data["target"],
            "period": data["period"],
            "policy_id": policies.get(data["target"]),
            "due_at": data["at"],
        }
        for kind, data in timeline
        if kind == "sla.breached"
    ]


def with_replan_banked(clock: Clock, terms: SlaTerms, now: datetime) -> Clock:
    """Bank a running clock's time under the calendar it was planned with (before an
    admin changes that calendar or policy); the sweep re-plans it afterwards."""
    if clock.state != ClockState.RUNNING:
        return clock
    spent = sla_clock.elapsed(clock, terms.calendar(clock.calendar_id), now)
    return replace(clock, elapsed_seconds=spent, running_since=now)
