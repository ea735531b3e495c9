"""Tickets, their conversation, and the append-only record of every change."""

from typing import Any

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.contrib.postgres.indexes import GinIndex
from tortoise.fields.db_defaults import SqlDefault
from tortoise.indexes import Index
from tortoise.models import Model

from domain.enums import (
    CategorySource,
    Channel,
    Priority,
    RoutingState,
    SenderType,
    SupportTier,
    TicketStatus,
    TriageStatus,
)


class Ticket(Model):
    id = fields.IntField(primary_key=True)
    number = fields.BigIntField(unique=True, db_default=SqlDefault("nextval('ticket_number_seq')"))
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Customer", related_name="tickets", on_delete=fields.RESTRICT
    )
    customer_id: int
    subject = fields.CharField(max_length=500)
    description = fields.TextField()
    priority = fields.CharEnumField(Priority, max_length=8, default=Priority.MEDIUM)
    priority_set_by_agent = fields.BooleanField(default=False)
    status = fields.CharEnumField(TicketStatus, max_length=24, default=TicketStatus.OPEN)
    category: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Category", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    category_id: int | None
    channel = fields.CharEnumField(Channel, max_length=8, default=Channel.API)
    tags = ArrayField("text", default=list)
    assignee: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Agent", related_name="assigned_tickets", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    team: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Team", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    team_id: int | None
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    first_response_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    reopen_count = fields.IntField(default=0)
    # Intake: what triage decided and where routing left the ticket.
    triage_status = fields.CharEnumField(TriageStatus, max_length=8, default=TriageStatus.PENDING)
    routing_state = fields.CharEnumField(RoutingState, max_length=12, default=RoutingState.PENDING)
    category_source = fields.CharEnumField(CategorySource, max_length=10, null=True)
    category_confidence = fields.FloatField(null=True)
    priority_reasons: Any = fields.JSONField(default=list)
    support_tier = fields.CharEnumField(SupportTier, max_length=4, default=SupportTier.L1)
    requires_senior = fields.BooleanField(default=False)
    queued_at = fields.DatetimeField(null=True)
    widened_at = fields.DatetimeField(null=True)
    assigned_at = fields.DatetimeField(null=True)
    # SLA: set by the sweep on the first breach; an acknowledgement by a lead stops
    # the escalation chain for the current resolution period.
    sla_breached = fields.BooleanField(default=False)
    sla_acknowledged_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ticket"
        indexes = (
            Index(fields=("team_id", "status", "id"), name="ticket_team_status_idx"),
            Index(fields=("assignee_id", "status", "id"), name="ticket_assignee_status_idx"),
            Index(fields=("customer_id", "id"), name="ticket_customer_idx"),
            Index(fields=("status", "priority", "created_at"), name="ticket_queue_idx"),
            Index(fields=("status", "id"), name="ticket_status_idx"),
            Index(fields=("category_id", "id"), name="ticket_category_idx"),
            GinIndex(fields=("tags",), name="ticket_tags_gin"),
        )
        # Partial indexes, so triage's writes touch fewer (migration 0017):
        # ticket_pending_triage_idx (created_at) WHERE triage_status = 'PENDING',
        # ticket_needs_triage_idx (created_at, id) WHERE routing_state = 'NEEDS_TRIAGE',
        # ticket_queue_order_idx (team_id, queued_at, id) WHERE routing_state = 'QUEUED'.


class Message(Model):
    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Ticket", related_name="messages", on_delete=fields.CASCADE
    )
    ticket_id: int
    sender_type = fields.CharEnumField(SenderType, max_length=10)
    sender_customer: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Customer", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    sender_customer_id: int | None
    sender_agent: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Agent", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    sender_agent_id: int | None
    content = fields.TextField()
    internal = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "message"
        indexes = (Index(fields=("ticket_id", "id"), name="message_ticket_idx"),)


class TicketEvent(Model):
    """Append-only: who changed what, when. Written in the change's transaction.

    It is also the event outbox: the relay (``domain.outbox``) publishes committed
    rows to the event bus, recording how far it got by transaction (the ``txid``
    column and ``outbox_progress``, migration 0012), not per row. Most events are about a
    ticket; an agent's own changes (availability, capacity, tier) have ``agent``
    and no ticket (a CHECK keeps one of the two set). One table, so one id
    sequence orders every event and the relay drains one queue (docs/live.md).
    """

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Ticket", related_name="events", on_delete=fields.CASCADE, null=True
    )
    ticket_id: int | None
    agent: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Agent", related_name="events", on_delete=fields.CASCADE, null=True
    )
    agent_id: int | None
    kind = fields.CharField(max_length=40)
    actor_role = fields.CharField(max_length=16)
    actor_id = fields.IntField(null=True)
    actor_token_id = fields.IntField(null=True)
    client_id = fields.CharField(max_length=64, null=True)
    data: Any = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()

    class Meta:
        table = "ticket_event"
        indexes = (Index(fields=("ticket_id", "id"), name="ticket_event_ticket_idx"),)
        # ticket_event_agent_idx (agent_id, id) WHERE agent_id IS NOT NULL: only agent
        # events name an agent (migration 0017)
