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
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import capacity, escalation, notifications, sla, sla_alerts
from domain.enums import (
    CustomerTier,
    EscalationAction,
    EscalationReason,
    Priority,
    SlaTarget,
    TicketStatus,
)
from domain.errors import DomainError
from domain.models import SlaAction, Ticket
from domain.sla_alerts import AlertSettings
from domain.sla_sql import ADVANCE, PENDING_ACTIONS, REPLAN_DUE, REPLANNED, SOONEST_CHECK
from domain.sla_terms import TermsCache
from domain.triage import Intake

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


async def _do_action(
    row: dict[str, Any], intake: Intake, alerts: AlertSettings, now: datetime
) -> None:
    action = EscalationAction(str(row["action"]))
    reason = EscalationReason(str(row["reason"]))
    target = SlaTarget(str(row["target"]))
    async with in_transaction() as conn:
        claimed = (
            await SlaAction.filter(id=row["id"], done_at=None)
            .select_for_update(skip_locked=True)
            .using_db(conn)
            .first()
        )
        if claimed is None:
            return  # another sweep has it, or did it
        ticket = await Ticket.filter(id=row["ticket_id"]).select_for_update().using_db(conn).first()
        if ticket is not None and TicketStatus(ticket.status) in capacity.ACTIVE:
            if action == EscalationAction.REASSIGN:
                await escalation.escalate_locked(
                    conn, ticket, intake, alerts, reason=reason, actor=None, now=now, target=target
                )
            else:
                await _notify(conn, dict(row, action=action, target=target), alerts, now)
        claimed.done_at = now
        await claimed.save(using_db=conn, update_fields=["done_at"])


async def _notify(
    conn: BaseDBAsyncClient, row: dict[str, Any], alerts: AlertSettings, now: datetime
) -> None:
    """One notify step; ``row`` is the ``sla_action`` with action and target parsed."""
    action: EscalationAction = row["action"]
    target: SlaTarget = row["target"]
    ticket_id: int = row["ticket_id"]
    percent = float(row["percent"])
    name = target.value.replace("_", " ").lower()
    headline = f"SLA {name} {'breached' if percent >= 100 else 'at risk'} ({percent:g}%)"
    detail = f"The {name} target of this ticket is {percent:g}% used."
    key = f"sla:{ticket_id}:{target.value}:{row['period']}:{percent:g}:{action.value}"
    alert = sla_alerts.Alert(action, "sla.alert", headline, detail, key)
    drafts = await sla_alerts.drafts_for(conn, ticket_id, alert, alerts)
    await notifications.enqueue(conn, drafts, now)


async def run_actions(intake: Intake, alerts: AlertSettings, batch: int = 200) -> int:
    """Carry out pending chain steps, each in its own transaction. A step that cannot
    be done (e.g. a closed ticket) is logged and marked done; one that fails
    unexpectedly is logged and left for the next sweep, and the others go on."""
    done = 0
    last_id = 0
    conn = connections.get("default")
    while True:
        _, rows = await conn.execute_query(PENDING_ACTIONS, [batch, last_id])
        for row in rows:
            last_id = row["id"]
            now = intake.clock.now()
            try:
                await _do_action(dict(row), intake, alerts, now)
            except DomainError as exc:
                ticket_id = row["ticket_id"]
                log.warning("SLA step %s on ticket %s skipped: %s", row["id"], ticket_id, exc)
                await SlaAction.filter(id=row["id"]).update(done_at=now)
            except Exception:
                log.exception("SLA step %s failed; the next sweep tries again", row["id"])
                continue
            done += 1
        if len(rows) < batch:
            return done


async def sweep(intake: Intake, alerts: AlertSettings) -> SweepReport:
    """Re-plan, advance, act: each phase runs even if another failed (logged), so one
    bad clock or step never stops every ticket's deadlines from firing."""
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
    report.actions_done = await run_actions(intake, alerts)
    return report


async def soonest_check() -> datetime | None:
    """When the next level falls due (the sweep loop sleeps until then at most)."""
    _, rows = await connections.get("default").execute_query(SOONEST_CHECK)
    at: datetime | None = rows[0]["at"]
    return at
