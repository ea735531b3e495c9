# Agent changes that involve no ticket (availability, max_tickets, seniority, tier)
# become events too, for the agentWorkload subscription. They go into the same
# outbox table, so one id sequence orders them with ticket events and the relay
# drains one queue: ticket_id becomes nullable and agent_id names the agent. A
# CHECK keeps every row about something. See docs/live.md.
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_event_client_id')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='TicketEvent',
            name='ticket',
            field=fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='TicketEvent',
            name='agent',
            field=fields.ForeignKeyField('models.Agent', source_field='agent_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE),
        ),
        ops.AddIndex(
            model_name='TicketEvent',
            index=Index(fields=['agent_id', 'id'], name='ticket_event_agent_idx'),
        ),
        ops.RunSQL(
            "ALTER TABLE ticket_event ADD CONSTRAINT ticket_event_about_something "
            "CHECK (ticket_id IS NOT NULL OR agent_id IS NOT NULL)",
            reverse_sql="ALTER TABLE ticket_event DROP CONSTRAINT ticket_event_about_something",
        ),
    ]
