"""What intake decided and why: triage results, routing decisions, rules, corrections."""

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class RoutingRule(Model):
    """One admin-edited rule: when ``conditions`` all hold, apply ``actions``.

    Rules run in ``position`` order before agent scoring; the shapes of both JSON
    columns are checked by ``domain.routing_rules`` before anything is stored.
    """

    id = fields.IntField(primary_key=True)
    position = fields.IntField()
    name = fields.CharField(max_length=120)
    enabled = fields.BooleanField(default=True)
    stop_processing = fields.BooleanField(default=False)
    conditions: Any = fields.JSONField(default=dict)
    actions: Any = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "routing_rule"
        indexes = (Index(fields=("position", "id"), name="routing_rule_order_idx"),)


class TriageRecord(Model):
    """The latest triage of a ticket: classifier output and the priority's reasons."""

    id = fields.IntField(primary_key=True)
    ticket: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "models.Ticket", related_name="triage", on_delete=fields.CASCADE
    )
    ticket_id: int
    label = fields.CharField(max_length=40, null=True)
    confidence = fields.FloatField(null=True)
    source = fields.CharField(max_length=10)
    model_version = fields.CharField(max_length=80, null=True)
    threshold = fields.FloatField()
    priority = fields.CharField(max_length=8)
    priority_reasons: Any = fields.JSONField(default=list)
    applied_rules: Any = fields.JSONField(default=list)
    triaged_at = fields.DatetimeField()
    runs = fields.IntField(default=1)

    class Meta:
        table = "triage_record"


class RoutingDecision(Model):
    """The latest routing of a ticket, with every candidate's score parts (top ones)."""

    id = fields.IntField(primary_key=True)
    ticket: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "models.Ticket", related_name="routing_decision", on_delete=fields.CASCADE
    )
    ticket_id: int
    outcome = fields.CharField(max_length=12)
    reason = fields.CharField(max_length=300)
    team_id = fields.IntField(null=True)
    agent_id = fields.IntField(null=True)
    support_tier = fields.CharField(max_length=4)
    requires_senior = fields.BooleanField()
    candidate_count = fields.IntField()
    candidates: Any = fields.JSONField(default=dict)
    weights: Any = fields.JSONField(default=dict)
    decided_at = fields.DatetimeField()

    class Meta:
        table = "routing_decision"


class CategoryCorrection(Model):
    """An agent changed a ticket's category: training data for the next model."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Ticket", related_name="category_corrections", on_delete=fields.CASCADE
    )
    ticket_id: int
    from_category_id = fields.IntField(null=True)
    to_category_id = fields.IntField()
    from_source = fields.CharField(max_length=10, null=True)
    agent_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "category_correction"
        indexes = (Index(fields=("ticket_id", "id"), name="category_correction_ticket_idx"),)
