from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.AddField(
            model_name="TicketEvent",
            name="actor_token_id",
            field=fields.IntField(null=True),
        ),
        ops.RunSQL(
            "ALTER TABLE agent ADD CONSTRAINT agent_capacity_not_negative "
            "CHECK (current_ticket_count >= 0)",
            reverse_sql="ALTER TABLE agent DROP CONSTRAINT agent_capacity_not_negative",
        ),
    ]
