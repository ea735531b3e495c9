# Events remember the client (X-Client-Id) that caused them, so a subscription
# from that client can leave its own changes out (echo suppression).
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0007_event_outbox")]

    initial = False

    operations = [
        ops.AddField(
            model_name="TicketEvent",
            name="client_id",
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
