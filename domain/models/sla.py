"""SLA terms (calendars, policies, tier multipliers) and each ticket's running clocks."""

from typing import Any

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.indexes import Index
from tortoise.models import Model

from domain.enums import (
    ClockState,
    CustomerTier,
    EscalationReason,
    Priority,
    SlaStatus,
    SlaTarget,
    SupportTier,
)


class BusinessCalendar(Model):
    """Working windows per weekday in one time zone, and holidays (checked by
    ``domain.sla_calendar.parse_calendar`` before anything is stored)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    time_zone = fields.CharField(max_length=64)
    windows: Any = fields.JSONField(default=dict)
    holidays: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "business_calendar"


class SlaPolicy(Model):
    """Targets for one priority, for one customer tier or (tier null) for every tier.

    A tier-specific row wins; the any-tier row is scaled by the tier's multiplier.
    ``applies = false`` is a deliberate "no SLA" with its reason; a null target
    minute count means that target has no deadline. No calendar means 24/7.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    priority = fields.CharEnumField(Priority, max_length=8)
    customer_tier = fields.CharEnumField(CustomerTier, max_length=16, null=True)
    applies = fields.BooleanField(default=True)
    no_sla_reason = fields.CharField(max_length=300, default="")
    first_response_minutes = fields.IntField(null=True)
    resolution_minutes = fields.IntField(null=True)
    calendar: fields.ForeignKeyNullableRelation[BusinessCalendar] = fields.ForeignKeyField(
        "models.BusinessCalendar", related_name="policies", null=True, on_delete=fields.RESTRICT
    )
    calendar_id: int | None
    warning_percents: Any = fields.JSONField(default=list)
    at_risk_percent = fields.FloatField(default=75)
    severe_percent = fields.FloatField(default=200)
    escalation_steps: Any = fields.JSONField(default=list)
    escalate_at_risk = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "sla_policy"


class SlaTierMultiplier(Model):
    """How much longer (>1) or shorter (<1) a tier's targets are than the any-tier policy."""

    customer_tier = fields.CharEnumField(CustomerTier, max_length=16, primary_key=True)
    multiplier = fields.FloatField()

    class Meta:
        table = "sla_tier_multiplier"


class SlaClock(Model):
    """One target's clock on one ticket (at most one row per ticket and target).

    Elapsed business time is banked in ``elapsed_seconds`` whenever the clock
    stops or is re-planned, and runs on from ``running_since``. The instants at
    which the not-yet-fired levels (warnings, at risk, breach, severe, chain steps)
    fall are precomputed in ``checkpoint_levels``/``checkpoint_at`` so the sweep is
    plain SQL over ``next_check_at``; ``replan`` asks the sweep to recompute them.
    """

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Ticket", related_name="sla_clocks", on_delete=fields.CASCADE
    )
    ticket_id: int
    target = fields.CharEnumField(SlaTarget, max_length=16)
    period = fields.IntField(default=1)
    policy: fields.ForeignKeyNullableRelation[SlaPolicy] = fields.ForeignKeyField(
        "models.SlaPolicy", related_name="clocks", null=True, on_delete=fields.SET_NULL
    )
    policy_id: int | None
    calendar_id = fields.IntField(null=True)
    state = fields.CharEnumField(ClockState, max_length=10)
    note = fields.CharField(max_length=300, default="")
    target_seconds = fields.IntField(null=True)
    elapsed_seconds = fields.FloatField(default=0)
    running_since = fields.DatetimeField(null=True)
    started_at = fields.DatetimeField()
    due_at = fields.DatetimeField(null=True)
    at_risk_percent = fields.FloatField(default=75)
    status = fields.CharEnumField(SlaStatus, max_length=9, default=SlaStatus.WITHIN)
    fired_through = fields.FloatField(default=0)
    checkpoint_levels = ArrayField("DOUBLE PRECISION", default=list)
    checkpoint_at = ArrayField("timestamptz", default=list)
    next_check_at = fields.DatetimeField(null=True)
    replan = fields.BooleanField(default=False)
    breached_at = fields.DatetimeField(null=True)
    met_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "sla_clock"
        unique_together = (("ticket", "target"),)


class SlaBreach(Model):
    """A target missed, kept for reporting with what the ticket looked like then."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Ticket", related_name="sla_breaches", on_delete=fields.CASCADE
    )
    ticket_id: int
    target = fields.CharEnumField(SlaTarget, max_length=16)
    period = fields.IntField()
    policy_id = fields.IntField(null=True)
    priority = fields.CharEnumField(Priority, max_length=8)
    customer_tier = fields.CharEnumField(CustomerTier, max_length=16)
    team_id = fields.IntField(null=True)
    assignee_id = fields.IntField(null=True)
    due_at = fields.DatetimeField()
    breached_at = fields.DatetimeField()

    class Meta:
        table = "sla_breach"
        unique_together = (("ticket", "target", "period"),)
        indexes = (Index(fields=("breached_at",), name="sla_breach_at_idx"),)


class SlaAction(Model):
    """One escalation-chain step due on one clock, done by the SLA action task.

    The sweep writes these in its statement; the unique key makes each step fire
    once per resolution period however often sweeps overlap or retry.
    """

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Ticket", related_name="sla_actions", on_delete=fields.CASCADE
    )
    ticket_id: int
    target = fields.CharEnumField(SlaTarget, max_length=16)
    period = fields.IntField()
    percent = fields.FloatField()
    action = fields.CharField(max_length=20)
    reason = fields.CharEnumField(EscalationReason, max_length=16)
    done_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "sla_action"
        unique_together = (("ticket", "target", "period", "percent", "action"),)


class Escalation(Model):
    """A ticket moved up: from which tier and agent to which, why, and who did it."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Ticket", related_name="escalations", on_delete=fields.CASCADE
    )
    ticket_id: int
    customer_id = fields.IntField(
        description="The ticket's customer, so counting a customer's recent escalations "
        "(a priority rule, at every triage) is one index range, whatever their history."
    )
    from_tier = fields.CharEnumField(SupportTier, max_length=4)
    to_tier = fields.CharEnumField(SupportTier, max_length=4)
    from_agent_id = fields.IntField(null=True)
    to_agent_id = fields.IntField(null=True)
    reason = fields.CharEnumField(EscalationReason, max_length=16)
    note = fields.TextField(default="")
    target = fields.CharEnumField(SlaTarget, max_length=16, null=True)
    escalated_by_role = fields.CharField(max_length=16)
    escalated_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "escalation"
        indexes = (
            Index(fields=("ticket_id", "id"), name="escalation_ticket_idx"),
            Index(fields=("customer_id", "created_at"), name="escalation_customer_idx"),
        )
