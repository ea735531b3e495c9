from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.enums import (
    Channel,
    CustomerTier,
    Priority,
    Role,
    SenderType,
    SupportTier,
    TicketStatus,
)
from orjson import loads
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.contrib.postgres.indexes import GinIndex
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import SqlDefault
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS ticket_number_seq START WITH 1001",
            reverse_sql="DROP SEQUENCE IF EXISTS ticket_number_seq",
        ),
        ops.CreateModel(
            name="Customer",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=200)),
                ("email", fields.CharField(unique=True, max_length=320)),
                (
                    "tier",
                    fields.CharEnumField(
                        default=CustomerTier.FREE,
                        description="ENTERPRISE: ENTERPRISE\nBUSINESS: BUSINESS\nPROFESSIONAL: PROFESSIONAL\nSTARTER: STARTER\nFREE: FREE",
                        enum_type=CustomerTier,
                        max_length=16,
                    ),
                ),
                ("vip", fields.BooleanField(default=False)),
                ("organisation", fields.CharField(default="", max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "customer", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Team",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(unique=True, max_length=120)),
                (
                    "tier",
                    fields.CharEnumField(
                        default=SupportTier.L1,
                        description="L1: L1\nL2: L2\nL3: L3",
                        enum_type=SupportTier,
                        max_length=4,
                    ),
                ),
            ],
            options={"table": "team", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Category",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("key", fields.CharField(unique=True, max_length=40)),
                ("name", fields.CharField(max_length=120)),
                (
                    "default_team",
                    fields.ForeignKeyField(
                        "models.Team",
                        source_field="default_team_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="default_categories",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={"table": "category", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Agent",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=200)),
                ("email", fields.CharField(unique=True, max_length=320)),
                (
                    "team",
                    fields.ForeignKeyField(
                        "models.Team",
                        source_field="team_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agents",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "support_tier",
                    fields.CharEnumField(
                        default=SupportTier.L1,
                        description="L1: L1\nL2: L2\nL3: L3",
                        enum_type=SupportTier,
                        max_length=4,
                    ),
                ),
                ("max_tickets", fields.IntField(default=10)),
                ("current_ticket_count", fields.IntField(default=0)),
                ("is_available", fields.BooleanField(default=True)),
                ("senior", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "agent", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AgentSkill",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "agent",
                    fields.ForeignKeyField(
                        "models.Agent",
                        source_field="agent_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="skills",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "category",
                    fields.ForeignKeyField(
                        "models.Category",
                        source_field="category_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agent_skills",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("level", fields.SmallIntField()),
            ],
            options={
                "table": "agent_skill",
                "app": "models",
                "unique_together": (("agent", "category"),),
                "pk_attr": "id",
                "table_description": "How well an agent handles one category, from 1 (learning) to 5 (expert).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "role",
                    fields.CharEnumField(
                        description="CUSTOMER: CUSTOMER\nAGENT: AGENT\nLEAD: LEAD\nADMIN: ADMIN\nPARTNER: PARTNER",
                        enum_type=Role,
                        max_length=16,
                    ),
                ),
                ("name", fields.CharField(default="", max_length=200)),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "agent",
                    fields.ForeignKeyField(
                        "models.Agent",
                        source_field="agent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "api_token", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Ticket",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "number",
                    fields.BigIntField(
                        unique=True, db_default=SqlDefault("nextval('ticket_number_seq')")
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tickets",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("subject", fields.CharField(max_length=500)),
                ("description", fields.TextField(unique=False)),
                (
                    "priority",
                    fields.CharEnumField(
                        default=Priority.MEDIUM,
                        description="LOW: LOW\nMEDIUM: MEDIUM\nHIGH: HIGH\nURGENT: URGENT",
                        enum_type=Priority,
                        max_length=8,
                    ),
                ),
                ("priority_set_by_agent", fields.BooleanField(default=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=TicketStatus.OPEN,
                        description="OPEN: OPEN\nIN_PROGRESS: IN_PROGRESS\nWAITING_ON_CUSTOMER: WAITING_ON_CUSTOMER\nRESOLVED: RESOLVED\nCLOSED: CLOSED",
                        enum_type=TicketStatus,
                        max_length=24,
                    ),
                ),
                (
                    "category",
                    fields.ForeignKeyField(
                        "models.Category",
                        source_field="category_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="tickets",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "channel",
                    fields.CharEnumField(
                        default=Channel.API,
                        description="API: API\nEMAIL: EMAIL\nCHAT: CHAT\nPHONE: PHONE\nWEB: WEB",
                        enum_type=Channel,
                        max_length=8,
                    ),
                ),
                ("tags", ArrayField(default=list, element_type="TEXT")),
                (
                    "assignee",
                    fields.ForeignKeyField(
                        "models.Agent",
                        source_field="assignee_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="assigned_tickets",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "team",
                    fields.ForeignKeyField(
                        "models.Team",
                        source_field="team_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="tickets",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "first_response_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "resolved_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("reopen_count", fields.IntField(default=0)),
            ],
            options={
                "table": "ticket",
                "app": "models",
                "indexes": [
                    Index(fields=["team_id", "status", "id"], name="ticket_team_status_idx"),
                    Index(
                        fields=["assignee_id", "status", "id"], name="ticket_assignee_status_idx"
                    ),
                    Index(fields=["customer_id", "id"], name="ticket_customer_idx"),
                    Index(fields=["status", "priority", "created_at"], name="ticket_queue_idx"),
                    GinIndex(fields=["tags"], name="ticket_tags_gin"),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Message",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "ticket",
                    fields.ForeignKeyField(
                        "models.Ticket",
                        source_field="ticket_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "sender_type",
                    fields.CharEnumField(
                        description="CUSTOMER: CUSTOMER\nAGENT: AGENT\nBOT: BOT",
                        enum_type=SenderType,
                        max_length=10,
                    ),
                ),
                (
                    "sender_customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="sender_customer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "sender_agent",
                    fields.ForeignKeyField(
                        "models.Agent",
                        source_field="sender_agent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("content", fields.TextField(unique=False)),
                ("internal", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "message",
                "app": "models",
                "indexes": [Index(fields=["ticket_id", "id"], name="message_ticket_idx")],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TicketEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "ticket",
                    fields.ForeignKeyField(
                        "models.Ticket",
                        source_field="ticket_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("kind", fields.CharField(max_length=40)),
                ("actor_role", fields.CharField(max_length=16)),
                ("actor_id", fields.IntField(null=True)),
                ("data", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "ticket_event",
                "app": "models",
                "indexes": [Index(fields=["ticket_id", "id"], name="ticket_event_ticket_idx")],
                "pk_attr": "id",
                "table_description": "Append-only: who changed what, when. Written in the change's transaction.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Team",
            name="lead",
            field=fields.ForeignKeyField(
                "models.Agent",
                source_field="lead_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="led_teams",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
