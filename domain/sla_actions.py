"""Carrying out escalation-chain steps the sweep queued in ``sla_action``.

Notify steps are set-based: one statement drafts the messages of a whole batch
into the notification outbox and marks the steps done. Reassign steps go through
routing one ticket at a time (``domain.escalation``), each in its own
transaction. Both skip steps another run holds, and each step is done once.
"""

import logging
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from domain import capacity, escalation
from domain.enums import EscalationReason, SlaTarget, TicketStatus
from domain.errors import DomainError
from domain.models import SlaAction, Ticket
from domain.sla_alerts import AlertSettings
from domain.sla_sql import NOTIFY_STEPS, PENDING_REASSIGNS
from domain.triage_inputs import Intake

log = logging.getLogger("frontdesk.sla")


async def notify(alerts: AlertSettings, now: datetime, batch: int = 5000) -> int:
    """Every pending notify step, in batches; returns how many were done."""
    done = 0
    params = [
        batch,
        alerts.slack_webhook_url,
        alerts.email_enabled,
        list(alerts.management_emails),
        now,
    ]
    while True:
        async with in_transaction() as conn:
            _, rows = await conn.execute_query(NOTIFY_STEPS, params)
        done += int(rows[0]["steps"])
        if rows[0]["steps"] < batch:
            return done


async def _reassign(row: dict[str, Any], intake: Intake, alerts: AlertSettings) -> None:
    now = intake.clock.now()
    async with in_transaction() as conn:
        claimed = (
            await SlaAction.filter(id=row["id"], done_at=None)
            .select_for_update(skip_locked=True)
            .using_db(conn)
            .first()
        )
        if claimed is None:
            return  # another run has it, or did it
        ticket = await Ticket.filter(id=row["ticket_id"]).select_for_update().using_db(conn).first()
        if ticket is not None and TicketStatus(ticket.status) in capacity.ACTIVE:
            await escalation.escalate_locked(
                conn,
                ticket,
                intake,
                alerts,
                reason=EscalationReason(row["reason"]),
                actor=None,
                now=now,
                target=SlaTarget(row["target"]),
            )
        claimed.done_at = now
        await claimed.save(using_db=conn, update_fields=["done_at"])


async def reassign(intake: Intake, alerts: AlertSettings, batch: int = 200) -> int:
    """Every pending reassign step. One that cannot be done (e.g. a closed ticket) is
    logged and marked done; one that fails unexpectedly is logged and left for the
    next run, and the others go on."""
    done = 0
    last_id = 0
    conn = connections.get("default")
    while True:
        _, rows = await conn.execute_query(PENDING_REASSIGNS, [batch, last_id])
        for row in rows:
            last_id = row["id"]
            try:
                await _reassign(dict(row), intake, alerts)
            except DomainError as exc:
                ticket_id = row["ticket_id"]
                log.warning("SLA step %s on ticket %s skipped: %s", row["id"], ticket_id, exc)
                await SlaAction.filter(id=row["id"]).update(done_at=intake.clock.now())
            except Exception:
                log.exception("SLA step %s failed; the next run tries again", row["id"])
                continue
            done += 1
        if len(rows) < batch:
            return done


async def run(intake: Intake, alerts: AlertSettings) -> int:
    """Notify steps first (a 75 % notice reaches the agent who had the ticket then),
    then the reassignments."""
    done = 0
    try:
        done += await notify(alerts, intake.clock.now())
    except Exception:
        log.exception("SLA notify steps failed; the next run tries again")
    return done + await reassign(intake, alerts)
