from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.enums import CategorySource, RoutingState, SupportTier, TriageStatus
from orjson import loads
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0003_list_indexes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CategoryCorrection",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "ticket",
                    fields.ForeignKeyField(
                        "models.Ticket",
                        source_field="ticket_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="category_corrections",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("from_category_id", fields.IntField(null=True)),
                ("to_category_id", fields.IntField()),
                ("from_source", fields.CharField(null=True, max_length=10)),
                ("agent_id", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "category_correction",
                "app": "models",
                "indexes": [
                    Index(fields=["ticket_id", "id"], name="category_correction_ticket_idx")
                ],
                "pk_attr": "id",
                "table_description": "An agent changed a ticket's category: training data for the next model.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoutingDecision",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "ticket",
                    fields.OneToOneField(
                        "models.Ticket",
                        source_field="ticket_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="routing_decision",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("outcome", fields.CharField(max_length=12)),
                ("reason", fields.CharField(max_length=300)),
                ("team_id", fields.IntField(null=True)),
                ("agent_id", fields.IntField(null=True)),
                ("support_tier", fields.CharField(max_length=4)),
                ("requires_senior", fields.BooleanField()),
                ("candidate_count", fields.IntField()),
                ("candidates", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("weights", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("decided_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "routing_decision",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The latest routing of a ticket, with every candidate's score parts (top ones).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoutingRule",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("position", fields.IntField()),
                ("name", fields.CharField(max_length=120)),
                ("enabled", fields.BooleanField(default=True)),
                ("stop_processing", fields.BooleanField(default=False)),
                ("conditions", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("actions", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "routing_rule",
                "app": "models",
                "indexes": [Index(fields=["position", "id"], name="routing_rule_order_idx")],
                "pk_attr": "id",
                "table_description": "One admin-edited rule: when ``conditions`` all hold, apply ``actions``.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TriageRecord",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "ticket",
                    fields.OneToOneField(
                        "models.Ticket",
                        source_field="ticket_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="triage",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("label", fields.CharField(null=True, max_length=40)),
                ("confidence", fields.FloatField(null=True)),
                ("source", fields.CharField(max_length=10)),
                ("model_version", fields.CharField(null=True, max_length=80)),
                ("threshold", fields.FloatField()),
                ("priority", fields.CharField(max_length=8)),
                (
                    "priority_reasons",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "applied_rules",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("triaged_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("runs", fields.IntField(default=1)),
            ],
            options={
                "table": "triage_record",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The latest triage of a ticket: classifier output and the priority's reasons.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="AgentSkill",
            name="avg_handle_seconds",
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name="AgentSkill",
            name="handled_count",
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name="Category",
            name="avg_handle_seconds",
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name="Category",
            name="fallback_team",
            field=fields.ForeignKeyField(
                "models.Team",
                source_field="fallback_team_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="fallback_categories",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="Category",
            name="handled_count",
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name="Category",
            name="keywords",
            field=ArrayField(default=list, element_type="TEXT"),
        ),
        ops.AddField(
            model_name="Team",
            name="overflow_team",
            field=fields.ForeignKeyField(
                "models.Team",
                source_field="overflow_team_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="overflow_from",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="Team",
            name="overflow_threshold",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Ticket",
            name="assigned_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Ticket",
            name="category_confidence",
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name="Ticket",
            name="category_source",
            field=fields.CharEnumField(
                null=True,
                description="SUBMITTED: SUBMITTED\nMODEL: MODEL\nKEYWORDS: KEYWORDS\nAGENT: AGENT",
                enum_type=CategorySource,
                max_length=10,
            ),
        ),
        ops.AddField(
            model_name="Ticket",
            name="priority_reasons",
            field=fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name="Ticket",
            name="queued_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Ticket",
            name="requires_senior",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="Ticket",
            name="routing_state",
            field=fields.CharEnumField(
                default=RoutingState.PENDING,
                description="PENDING: PENDING\nASSIGNED: ASSIGNED\nQUEUED: QUEUED\nNEEDS_TRIAGE: NEEDS_TRIAGE",
                enum_type=RoutingState,
                max_length=12,
            ),
        ),
        ops.AddField(
            model_name="Ticket",
            name="support_tier",
            field=fields.CharEnumField(
                default=SupportTier.L1,
                description="L1: L1\nL2: L2\nL3: L3",
                enum_type=SupportTier,
                max_length=4,
            ),
        ),
        ops.AddField(
            model_name="Ticket",
            name="triage_status",
            field=fields.CharEnumField(
                default=TriageStatus.PENDING,
                description="PENDING: PENDING\nDONE: DONE",
                enum_type=TriageStatus,
                max_length=8,
            ),
        ),
        ops.AddField(
            model_name="Ticket",
            name="widened_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name="Ticket",
            index=Index(fields=["routing_state", "team_id"], name="ticket_routing_idx"),
        ),
        ops.AddIndex(
            model_name="Ticket",
            index=Index(fields=["triage_status", "created_at"], name="ticket_triage_idx"),
        ),
        ops.RunSQL(
            # database defaults too, so rows written in plain SQL (imports, bulk loads)
            # get the same values the models give
            "ALTER TABLE category ALTER COLUMN keywords SET DEFAULT '{}'; "
            "ALTER TABLE agent_skill ALTER COLUMN handled_count SET DEFAULT 0; "
            "ALTER TABLE category ALTER COLUMN handled_count SET DEFAULT 0; "
            "ALTER TABLE ticket ALTER COLUMN triage_status SET DEFAULT 'PENDING', "
            "ALTER COLUMN routing_state SET DEFAULT 'PENDING', "
            "ALTER COLUMN priority_reasons SET DEFAULT '[]', "
            "ALTER COLUMN support_tier SET DEFAULT 'L1', "
            "ALTER COLUMN requires_senior SET DEFAULT false",
            reverse_sql="SELECT 1",
        ),
        ops.RunSQL(
            "UPDATE ticket SET triage_status = 'DONE', "
            "routing_state = CASE WHEN assignee_id IS NOT NULL THEN 'ASSIGNED' "
            "WHEN team_id IS NULL OR category_id IS NULL THEN 'NEEDS_TRIAGE' ELSE 'QUEUED' END, "
            "queued_at = CASE WHEN assignee_id IS NULL THEN created_at END, "
            "assigned_at = CASE WHEN assignee_id IS NOT NULL THEN updated_at END",
            reverse_sql="SELECT 1",
        ),
        ops.RunSQL(
            "CREATE INDEX ticket_queue_order_idx ON ticket (team_id, queued_at, id) "
            "WHERE routing_state = 'QUEUED'",
            reverse_sql="DROP INDEX IF EXISTS ticket_queue_order_idx",
        ),
        ops.RunSQL(
            "CREATE INDEX agent_skill_category_idx ON agent_skill (category_id, agent_id)",
            reverse_sql="DROP INDEX IF EXISTS agent_skill_category_idx",
        ),
        ops.RunSQL(
            # priority rule "2+ escalations in 30 days": a tiny index of escalations only
            "CREATE INDEX ticket_event_escalated_idx ON ticket_event (ticket_id, created_at) "
            "WHERE kind = 'ticket.escalated'",
            reverse_sql="DROP INDEX IF EXISTS ticket_event_escalated_idx",
        ),
        ops.RunSQL(
            "CREATE INDEX agent_team_idx ON agent (team_id, id)",
            reverse_sql="DROP INDEX IF EXISTS agent_team_idx",
        ),
    ]
