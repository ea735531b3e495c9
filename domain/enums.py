"""Closed vocabularies of the support domain.

Categories are deliberately *not* here: they are rows in the database so that
admins can add one without a deploy.
"""

from enum import StrEnum


class CustomerTier(StrEnum):
    ENTERPRISE = "ENTERPRISE"
    BUSINESS = "BUSINESS"
    PROFESSIONAL = "PROFESSIONAL"
    STARTER = "STARTER"
    FREE = "FREE"


class SupportTier(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


class Priority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"


class TicketStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    WAITING_ON_CUSTOMER = "WAITING_ON_CUSTOMER"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class Channel(StrEnum):
    API = "API"
    EMAIL = "EMAIL"
    CHAT = "CHAT"
    PHONE = "PHONE"
    WEB = "WEB"


class TriageStatus(StrEnum):
    """Whether the intake worker has classified and prioritised the ticket yet."""

    PENDING = "PENDING"
    DONE = "DONE"


class RoutingState(StrEnum):
    """Where intake left the ticket: with an agent, in a queue, or for a human to triage."""

    PENDING = "PENDING"
    ASSIGNED = "ASSIGNED"
    QUEUED = "QUEUED"
    NEEDS_TRIAGE = "NEEDS_TRIAGE"


class CategorySource(StrEnum):
    """Who chose a ticket's category."""

    SUBMITTED = "SUBMITTED"
    MODEL = "MODEL"
    KEYWORDS = "KEYWORDS"
    AGENT = "AGENT"


class SenderType(StrEnum):
    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"
    BOT = "BOT"


class Role(StrEnum):
    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"
    LEAD = "LEAD"
    ADMIN = "ADMIN"
    PARTNER = "PARTNER"


SUPPORT_TIER_RANK: dict[SupportTier, int] = {
    SupportTier.L1: 1,
    SupportTier.L2: 2,
    SupportTier.L3: 3,
}

PRIORITY_RANK: dict[Priority, int] = {
    Priority.URGENT: 0,
    Priority.HIGH: 1,
    Priority.MEDIUM: 2,
    Priority.LOW: 3,
}
"""Queue order: lower rank is served first."""


class SlaTarget(StrEnum):
    """The two promises an SLA makes about a ticket."""

    FIRST_RESPONSE = "FIRST_RESPONSE"
    RESOLUTION = "RESOLUTION"


class SlaStatus(StrEnum):
    WITHIN = "WITHIN"
    AT_RISK = "AT_RISK"
    BREACHED = "BREACHED"


class ClockState(StrEnum):
    """Where one SLA clock stands: counting, stopped while waiting on the customer, or met.

    A clock with no target (no SLA applies) still counts, so that a policy given
    later loses none of the time already spent.
    """

    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    MET = "MET"


class EscalationAction(StrEnum):
    """What one step of an escalation chain does when its share of the target passes."""

    NOTIFY_ASSIGNEE = "NOTIFY_ASSIGNEE"
    NOTIFY_LEAD = "NOTIFY_LEAD"
    NOTIFY_MANAGEMENT = "NOTIFY_MANAGEMENT"
    REASSIGN = "REASSIGN"


class EscalationReason(StrEnum):
    MANUAL = "MANUAL"
    AUTO_SLA_RISK = "AUTO_SLA_RISK"
    AUTO_SLA_BREACH = "AUTO_SLA_BREACH"


class NotificationChannel(StrEnum):
    SLACK = "SLACK"
    EMAIL = "EMAIL"


class NotificationState(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    DEAD = "DEAD"
    """Gave up after the last retry; kept with its error for an operator."""
