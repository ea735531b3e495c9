"""The people around a ticket: customers who ask, agents and teams who answer."""

from tortoise import fields
from tortoise.models import Model

from domain.enums import CustomerTier, SupportTier
from domain.models.catalogue import Category


class Customer(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=320, unique=True)
    tier = fields.CharEnumField(CustomerTier, max_length=16, default=CustomerTier.FREE)
    vip = fields.BooleanField(default=False)
    organisation = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"


class Team(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    tier = fields.CharEnumField(SupportTier, max_length=4, default=SupportTier.L1)
    lead: fields.ForeignKeyNullableRelation["Agent"] = fields.ForeignKeyField(
        "models.Agent", related_name="led_teams", null=True, on_delete=fields.SET_NULL
    )
    lead_id: int | None
    # Overflow: with more than ``overflow_threshold`` queued tickets, new ones go
    # to ``overflow_team`` (the next tier up) instead of waiting here.
    overflow_threshold = fields.IntField(null=True)
    overflow_team: fields.ForeignKeyNullableRelation["Team"] = fields.ForeignKeyField(
        "models.Team", related_name="overflow_from", null=True, on_delete=fields.SET_NULL
    )
    overflow_team_id: int | None

    class Meta:
        table = "team"


class Agent(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=320, unique=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="agents", on_delete=fields.RESTRICT
    )
    team_id: int
    support_tier = fields.CharEnumField(SupportTier, max_length=4, default=SupportTier.L1)
    max_tickets = fields.IntField(default=10)
    current_ticket_count = fields.IntField(default=0)
    is_available = fields.BooleanField(default=True)
    senior = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agent"


class AgentSkill(Model):
    """How well an agent handles one category, from 1 (learning) to 5 (expert)."""

    id = fields.IntField(primary_key=True)
    agent: fields.ForeignKeyRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="skills", on_delete=fields.CASCADE
    )
    agent_id: int
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="agent_skills", on_delete=fields.CASCADE
    )
    category_id: int
    level = fields.SmallIntField()
    # Handle time in this category (assignment to resolution), a running mean.
    handled_count = fields.IntField(default=0)
    avg_handle_seconds = fields.FloatField(null=True)

    class Meta:
        table = "agent_skill"
        unique_together = (("agent", "category"),)
