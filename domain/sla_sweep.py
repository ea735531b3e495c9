"""The SLA sweep: fire the levels that came due, re-plan what admins changed, and
carry out the escalation-chain steps.

The cost follows what changes, not what is open: the advance is one set-based
statement over the index on ``next_check_at``, which holds only clocks with a
level still to fire. Every step is idempotent: a level is removed from its clock
as it fires, and chain steps are unique per ticket, target, period and level, so
overlapping or retried sweeps do nothing twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from tortoise import connections
from tortoise.transactions import in_transaction

from domain import sla, sla_actions
from domain.enums import (
    CustomerTier,
    Priority,
    TicketStatus,
)
from domain.sla_alerts import AlertSettings
from domain.sla_sql import ADVANCE, REPLAN_DUE, REPLANNED, SOONEST_CHECK
from domain.sla_terms import TermsCache
from domain.triage_inputs import Intake

log = logging.getLogger("frontdesk.sla")
BATCH = 5000


@dataclass
class SweepReport:
    replanned: int = 0
    due: int = 0
    moved: int = 0
    events: int = 0
    breached: int = 0
    actions: int = 0
    actions_done: int = 0


async def replan_due(now: datetime, batch: int = 500) -> int:
    """Clocks whose policy or calendar an admin changed: plan them on the new terms
    (their time so far was banked under the old terms when the change was made)."""
    total = 0
    while True:
        count = await _replan_batch(now, batch)
        total += count
        if count < batch:
            return total


async def _replan_batch(now: datetime, batch: int) -> int:
    """Terms are read afresh (not from this process's cache), so an edit made a moment
    ago in another process is what the clocks are planned on."""
    async with in_transaction() as conn:
        _, rows = await conn.execute_query(REPLAN_DUE, [batch])
        if not rows:
            return 0
        terms = await TermsCache(0).get(conn)
        for row in rows:
            facts = sla.TicketFacts(
                Priority(row["priority"]),
                CustomerTier(row["tier"]),
                TicketStatus(row["status"]),
                row["created_at"],
                row["first_response_at"],
            )
            existing = sla.existing_from_json(row["clocks"])
            changed, timeline = sla.reconcile(
                existing, facts, terms, now, "SLA terms changed", force_replan=True
            )
            await sla.save(conn, row["id"], changed, timeline, now)
            await conn.execute_query(REPLANNED, [row["id"]])
    return len(rows)


async def advance(now: datetime, report: SweepReport, batch: int = BATCH) -> int:
    """Fire every level due by ``now``, in batches; returns how many clocks moved."""
    moved = 0
    while True:
        async with in_transaction() as conn:
            _, rows = await conn.execute_query(ADVANCE, [now, batch])
        r = rows[0]
        report.due += r["due"]
        report.moved += r["moved"]
        report.events += r["events"]
        report.breached += r["breached"]
        report.actions += r["actions"]
        moved += int(r["moved"])
        if r["due"] < batch:
            return moved


async def sweep(intake: Intake, alerts: AlertSettings, *, actions: bool = True) -> SweepReport:
    """Re-plan, advance, act: each phase runs even if another failed (logged), so one
    bad clock or step never stops every ticket's deadlines from firing. The task
    runs the chain steps separately (``actions=False``), so a burst of escalations
    never delays the next deadline's status change."""
    now = intake.clock.now()
    report = SweepReport()
    try:
        report.replanned = await replan_due(now)
    except Exception:
        log.exception("SLA re-plan pass failed")
    try:
        await advance(now, report)
    except Exception:
        log.exception("SLA advance failed")
    if actions:
        report.actions_done = await sla_actions.run(intake, alerts)
    return report


async def soonest_check() -> datetime | None:
    """When the next level falls due (the sweep loop sleeps until then at most)."""
    _, rows = await connections.get("default").execute_query(SOONEST_CHECK)
    at: datetime | None = rows[0]["at"]
    return at
