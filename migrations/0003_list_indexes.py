from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0002_event_token_and_capacity_check")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Ticket",
            index=Index(fields=["status", "id"], name="ticket_status_idx"),
        ),
        ops.AddIndex(
            model_name="Ticket",
            index=Index(fields=["category_id", "id"], name="ticket_category_idx"),
        ),
    ]
