from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.enums import ClockState, CustomerTier, EscalationReason, NotificationChannel, NotificationState, Priority, SlaStatus, SlaTarget, SupportTier
from orjson import loads
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

# The design's defaults: first response URGENT 1 h (24/7), HIGH 4 h, MEDIUM 8 h, LOW 24 h
# (business hours, Mon-Fri 09:00-17:00 UTC), with resolution targets; enterprise is
# twice as fast, free twice as slow. Admins change all of it over GraphQL.
STEPS = (
    '[{"percent": 75, "action": "NOTIFY_ASSIGNEE"}, {"percent": 90, "action": "NOTIFY_LEAD"}, '
    '{"percent": 100, "action": "REASSIGN"}, {"percent": 200, "action": "NOTIFY_MANAGEMENT"}]'
)
SEED_DEFAULTS = f"""
INSERT INTO business_calendar (name, time_zone, windows, holidays, created_at, updated_at)
VALUES ('Business hours', 'UTC',
        '{{"MON": [["09:00", "17:00"]], "TUE": [["09:00", "17:00"]], "WED": [["09:00", "17:00"]],
          "THU": [["09:00", "17:00"]], "FRI": [["09:00", "17:00"]]}}', '[]', now(), now());
INSERT INTO sla_policy (name, priority, customer_tier, applies, no_sla_reason,
    first_response_minutes, resolution_minutes, calendar_id, warning_percents,
    at_risk_percent, severe_percent, escalation_steps, escalate_at_risk, created_at, updated_at)
SELECT p.name, p.priority, NULL, true, '', p.fr, p.res,
       CASE WHEN p.business THEN (SELECT id FROM business_calendar WHERE name = 'Business hours') END,
       '[50, 75, 90]', 75, 200, '{STEPS}', false, now(), now()
FROM (VALUES ('Urgent', 'URGENT', 60, 240, false), ('High', 'HIGH', 240, 1440, true),
             ('Medium', 'MEDIUM', 480, 2880, true), ('Low', 'LOW', 1440, 7200, true))
     AS p(name, priority, fr, res, business);
INSERT INTO sla_tier_multiplier (customer_tier, multiplier)
VALUES ('ENTERPRISE', 0.5), ('BUSINESS', 0.75), ('PROFESSIONAL', 1.0), ('STARTER', 1.5),
       ('FREE', 2.0);
"""

# Tickets already open when SLAs arrive: their clocks start now (not at creation,
# which would breach most of them at once), flagged so the sweep's re-plan pass
# gives them their terms.
START_OPEN_TICKETS = """
INSERT INTO sla_clock (ticket_id, target, period, state, note, elapsed_seconds, running_since,
    started_at, at_risk_percent, status, fired_through, checkpoint_levels, checkpoint_at,
    replan, updated_at)
SELECT t.id, g.target, 1, 'RUNNING', '', 0, now(), now(), 75, 'WITHIN', 0, '{}', '{}', true, now()
FROM ticket t CROSS JOIN (VALUES ('FIRST_RESPONSE'), ('RESOLUTION')) AS g(target)
WHERE t.triage_status = 'DONE' AND t.status IN ('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER')
"""


class Migration(migrations.Migration):
    dependencies = [('models', '0005_agent_skill_map')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BusinessCalendar',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('time_zone', fields.CharField(max_length=64)),
                ('windows', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('holidays', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'business_calendar', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Working windows per weekday in one time zone, and holidays (checked by'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Escalation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='escalations', on_delete=OnDelete.CASCADE)),
                ('from_tier', fields.CharEnumField(description='L1: L1\nL2: L2\nL3: L3', enum_type=SupportTier, max_length=4)),
                ('to_tier', fields.CharEnumField(description='L1: L1\nL2: L2\nL3: L3', enum_type=SupportTier, max_length=4)),
                ('from_agent_id', fields.IntField(null=True)),
                ('to_agent_id', fields.IntField(null=True)),
                ('reason', fields.CharEnumField(description='MANUAL: MANUAL\nAUTO_SLA_RISK: AUTO_SLA_RISK\nAUTO_SLA_BREACH: AUTO_SLA_BREACH', enum_type=EscalationReason, max_length=16)),
                ('note', fields.TextField(default='', unique=False)),
                ('target', fields.CharEnumField(null=True, description='FIRST_RESPONSE: FIRST_RESPONSE\nRESOLUTION: RESOLUTION', enum_type=SlaTarget, max_length=16)),
                ('escalated_by_role', fields.CharField(max_length=16)),
                ('escalated_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'escalation', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'id'], name='escalation_ticket_idx')], 'pk_attr': 'id', 'table_description': 'A ticket moved up: from which tier and agent to which, why, and who did it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharEnumField(description='SLACK: SLACK\nEMAIL: EMAIL', enum_type=NotificationChannel, max_length=5)),
                ('recipient', fields.CharField(max_length=500)),
                ('subject', fields.CharField(max_length=300)),
                ('body', fields.TextField(unique=False)),
                ('kind', fields.CharField(max_length=40)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.SET_NULL)),
                ('dedupe_key', fields.CharField(unique=True, max_length=200)),
                ('state', fields.CharEnumField(default=NotificationState.PENDING, description='PENDING: PENDING\nSENT: SENT\nDEAD: DEAD', enum_type=NotificationState, max_length=7)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One Slack or email message; the delivery task sends it, retrying with backoff.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SlaAction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='sla_actions', on_delete=OnDelete.CASCADE)),
                ('target', fields.CharEnumField(description='FIRST_RESPONSE: FIRST_RESPONSE\nRESOLUTION: RESOLUTION', enum_type=SlaTarget, max_length=16)),
                ('period', fields.IntField()),
                ('percent', fields.FloatField()),
                ('action', fields.CharField(max_length=20)),
                ('reason', fields.CharEnumField(description='MANUAL: MANUAL\nAUTO_SLA_RISK: AUTO_SLA_RISK\nAUTO_SLA_BREACH: AUTO_SLA_BREACH', enum_type=EscalationReason, max_length=16)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sla_action', 'app': 'models', 'unique_together': (('ticket', 'target', 'period', 'percent', 'action'),), 'pk_attr': 'id', 'table_description': 'One escalation-chain step due on one clock, done by the SLA action task.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SlaBreach',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='sla_breaches', on_delete=OnDelete.CASCADE)),
                ('target', fields.CharEnumField(description='FIRST_RESPONSE: FIRST_RESPONSE\nRESOLUTION: RESOLUTION', enum_type=SlaTarget, max_length=16)),
                ('period', fields.IntField()),
                ('policy_id', fields.IntField(null=True)),
                ('priority', fields.CharEnumField(description='LOW: LOW\nMEDIUM: MEDIUM\nHIGH: HIGH\nURGENT: URGENT', enum_type=Priority, max_length=8)),
                ('customer_tier', fields.CharEnumField(description='ENTERPRISE: ENTERPRISE\nBUSINESS: BUSINESS\nPROFESSIONAL: PROFESSIONAL\nSTARTER: STARTER\nFREE: FREE', enum_type=CustomerTier, max_length=16)),
                ('team_id', fields.IntField(null=True)),
                ('assignee_id', fields.IntField(null=True)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('breached_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sla_breach', 'app': 'models', 'unique_together': (('ticket', 'target', 'period'),), 'indexes': [Index(fields=['breached_at'], name='sla_breach_at_idx')], 'pk_attr': 'id', 'table_description': 'A target missed, kept for reporting with what the ticket looked like then.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SlaPolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('priority', fields.CharEnumField(description='LOW: LOW\nMEDIUM: MEDIUM\nHIGH: HIGH\nURGENT: URGENT', enum_type=Priority, max_length=8)),
                ('customer_tier', fields.CharEnumField(null=True, description='ENTERPRISE: ENTERPRISE\nBUSINESS: BUSINESS\nPROFESSIONAL: PROFESSIONAL\nSTARTER: STARTER\nFREE: FREE', enum_type=CustomerTier, max_length=16)),
                ('applies', fields.BooleanField(default=True)),
                ('no_sla_reason', fields.CharField(default='', max_length=300)),
                ('first_response_minutes', fields.IntField(null=True)),
                ('resolution_minutes', fields.IntField(null=True)),
                ('calendar', fields.ForeignKeyField('models.BusinessCalendar', source_field='calendar_id', null=True, db_constraint=True, to_field='id', related_name='policies', on_delete=OnDelete.RESTRICT)),
                ('warning_percents', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('at_risk_percent', fields.FloatField(default=75)),
                ('severe_percent', fields.FloatField(default=200)),
                ('escalation_steps', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('escalate_at_risk', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sla_policy', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Targets for one priority, for one customer tier or (tier null) for every tier.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SlaClock',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='sla_clocks', on_delete=OnDelete.CASCADE)),
                ('target', fields.CharEnumField(description='FIRST_RESPONSE: FIRST_RESPONSE\nRESOLUTION: RESOLUTION', enum_type=SlaTarget, max_length=16)),
                ('period', fields.IntField(default=1)),
                ('policy', fields.ForeignKeyField('models.SlaPolicy', source_field='policy_id', null=True, db_constraint=True, to_field='id', related_name='clocks', on_delete=OnDelete.SET_NULL)),
                ('calendar_id', fields.IntField(null=True)),
                ('state', fields.CharEnumField(description='RUNNING: RUNNING\nPAUSED: PAUSED\nMET: MET', enum_type=ClockState, max_length=10)),
                ('note', fields.CharField(default='', max_length=300)),
                ('target_seconds', fields.IntField(null=True)),
                ('elapsed_seconds', fields.FloatField(default=0)),
                ('running_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('at_risk_percent', fields.FloatField(default=75)),
                ('status', fields.CharEnumField(default=SlaStatus.WITHIN, description='WITHIN: WITHIN\nAT_RISK: AT_RISK\nBREACHED: BREACHED', enum_type=SlaStatus, max_length=9)),
                ('fired_through', fields.FloatField(default=0)),
                ('checkpoint_levels', ArrayField(default=list, element_type='DOUBLE PRECISION')),
                ('checkpoint_at', ArrayField(default=list, element_type='TIMESTAMPTZ')),
                ('next_check_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('replan', fields.BooleanField(default=False)),
                ('breached_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('met_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sla_clock', 'app': 'models', 'unique_together': (('ticket', 'target'),), 'pk_attr': 'id', 'table_description': "One target's clock on one ticket (at most one row per ticket and target)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SlaTierMultiplier',
            fields=[
                ('customer_tier', fields.CharEnumField(primary_key=True, unique=True, db_index=True, description='ENTERPRISE: ENTERPRISE\nBUSINESS: BUSINESS\nPROFESSIONAL: PROFESSIONAL\nSTARTER: STARTER\nFREE: FREE', enum_type=CustomerTier, max_length=16)),
                ('multiplier', fields.FloatField()),
            ],
            options={'table': 'sla_tier_multiplier', 'app': 'models', 'pk_attr': 'customer_tier', 'table_description': "How much longer (>1) or shorter (<1) a tier's targets are than the any-tier policy."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_acknowledged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_breached',
            field=fields.BooleanField(default=False),
        ),
        ops.RunSQL(
            # database defaults too, so rows written in plain SQL get the model's values
            "ALTER TABLE ticket ALTER COLUMN sla_breached SET DEFAULT false; "
            "ALTER TABLE sla_clock ALTER COLUMN period SET DEFAULT 1, "
            "ALTER COLUMN note SET DEFAULT '', ALTER COLUMN elapsed_seconds SET DEFAULT 0, "
            "ALTER COLUMN status SET DEFAULT 'WITHIN', ALTER COLUMN fired_through SET DEFAULT 0, "
            "ALTER COLUMN checkpoint_levels SET DEFAULT '{}', "
            "ALTER COLUMN checkpoint_at SET DEFAULT '{}', ALTER COLUMN replan SET DEFAULT false, "
            "ALTER COLUMN at_risk_percent SET DEFAULT 75; "
            "ALTER TABLE notification ALTER COLUMN attempts SET DEFAULT 0, "
            "ALTER COLUMN last_error SET DEFAULT '', ALTER COLUMN state SET DEFAULT 'PENDING'",
            reverse_sql="SELECT 1",
        ),
        ops.RunSQL(
            # the sweep reads only clocks with something left to fire
            "CREATE INDEX sla_clock_next_check_idx ON sla_clock (next_check_at) "
            "WHERE next_check_at IS NOT NULL",
            reverse_sql="DROP INDEX IF EXISTS sla_clock_next_check_idx",
        ),
        ops.RunSQL(
            "CREATE INDEX sla_clock_status_idx ON sla_clock (status, ticket_id) "
            "WHERE status <> 'WITHIN'",
            reverse_sql="DROP INDEX IF EXISTS sla_clock_status_idx",
        ),
        ops.RunSQL(
            # room on each page, so that changes to columns no index covers (the sweep's
            # sla_breached, most ticket commands) are HOT updates: no index is touched
            "ALTER TABLE ticket SET (fillfactor = 85)",
            reverse_sql="ALTER TABLE ticket RESET (fillfactor)",
        ),
        ops.RunSQL(
            "CREATE INDEX sla_action_pending_idx ON sla_action (id) WHERE done_at IS NULL",
            reverse_sql="DROP INDEX IF EXISTS sla_action_pending_idx",
        ),
        ops.RunSQL(
            "CREATE INDEX notification_due_idx ON notification (next_attempt_at) "
            "WHERE state = 'PENDING'",
            reverse_sql="DROP INDEX IF EXISTS notification_due_idx",
        ),
        ops.RunSQL(
            # one policy per priority and tier, and one any-tier policy per priority
            "CREATE UNIQUE INDEX sla_policy_scope_uniq ON sla_policy "
            "(priority, COALESCE(customer_tier, '*'))",
            reverse_sql="DROP INDEX IF EXISTS sla_policy_scope_uniq",
        ),
        ops.RunSQL(
            "CREATE INDEX sla_clock_replan_idx ON sla_clock (ticket_id) WHERE replan",
            reverse_sql="DROP INDEX IF EXISTS sla_clock_replan_idx",
        ),
        ops.RunSQL(SEED_DEFAULTS, reverse_sql="SELECT 1"),
        ops.RunSQL(START_OPEN_TICKETS, reverse_sql="SELECT 1"),
    ]
