"""Who hears about an SLA event, and what they read: notification drafts.

Slack goes to the one incoming webhook configured for the deployment; email goes
to the ticket's assignee, its team lead, or the management list. Each draft
carries a dedupe key, so a retried step or a repeated sweep notifies once.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain import notifications
from domain.enums import EscalationAction, NotificationChannel
from domain.models import Ticket
from domain.notifications import Draft

PEOPLE = """
SELECT t.number, t.subject, t.priority, a.email AS assignee_email, l.email AS lead_email,
       tm.name AS team_name
FROM ticket t
LEFT JOIN agent a ON a.id = t.assignee_id
LEFT JOIN team tm ON tm.id = t.team_id
LEFT JOIN agent l ON l.id = tm.lead_id
WHERE t.id = $1
"""


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go; empty settings mean that channel is off."""

    slack_webhook_url: str | None = None
    management_emails: tuple[str, ...] = ()
    email_enabled: bool = False


Audience = EscalationAction  # NOTIFY_ASSIGNEE / NOTIFY_LEAD / NOTIFY_MANAGEMENT


@dataclass(frozen=True)
class Alert:
    """What to say to whom about one ticket; ``dedupe`` names it uniquely."""

    audience: Audience
    kind: str
    headline: str
    detail: str
    dedupe: str


def _emails(audience: Audience, people: dict[str, Any], cfg: AlertSettings) -> list[str]:
    if not cfg.email_enabled:
        return []
    if audience == EscalationAction.NOTIFY_ASSIGNEE:
        return [people["assignee_email"]] if people["assignee_email"] else []
    if audience == EscalationAction.NOTIFY_LEAD:
        return [people["lead_email"]] if people["lead_email"] else []
    return list(cfg.management_emails)


async def drafts_for(
    conn: BaseDBAsyncClient, ticket_id: int, alert: Alert, cfg: AlertSettings
) -> list[Draft]:
    """The messages one alert sends: email to the audience, and Slack for leads and
    management (an assignee is told by email only, not in the team channel)."""
    _, rows = await conn.execute_query(PEOPLE, [ticket_id])
    if not rows:
        return []
    people = dict(rows[0])
    subject = f"[#{people['number']} {people['priority']}] {alert.headline}: {people['subject']}"
    body = f"{alert.detail}\nTeam: {people['team_name'] or 'none'}\nTicket #{people['number']}"
    to: list[tuple[NotificationChannel, str, str]] = [
        (NotificationChannel.EMAIL, email, f"{alert.dedupe}:email:{email}")
        for email in _emails(alert.audience, people, cfg)
    ]
    if cfg.slack_webhook_url and alert.audience != EscalationAction.NOTIFY_ASSIGNEE:
        to.append((NotificationChannel.SLACK, cfg.slack_webhook_url, f"{alert.dedupe}:slack"))
    return [
        Draft(channel, recipient, subject, body, alert.kind, key, ticket_id)
        for channel, recipient, key in to
    ]


def management_alert(ticket: Ticket, *, vip: bool) -> str | None:
    """Why the team lead must hear about this new ticket now, if they must."""
    if vip:
        return "VIP customer"
    if any(r.get("rule") == "legal_threat" for r in ticket.priority_reasons):
        return "legal threat"
    return None


async def tell_leads(
    conn: BaseDBAsyncClient,
    settings: AlertSettings,
    found: list[tuple[Ticket, str]],
    now: datetime,
) -> None:
    """After triage's flush (the lead is the routed team's): notify through the outbox."""
    drafts = []
    for ticket, why in found:
        alert = Alert(
            EscalationAction.NOTIFY_LEAD,
            "ticket.management_trigger",
            f"New ticket needs attention ({why})",
            f"A new ticket was flagged: {why}.",
            f"trigger:{ticket.id}:{why}",
        )
        drafts += await drafts_for(conn, ticket.id, alert, settings)
    await notifications.enqueue(conn, drafts, now)
