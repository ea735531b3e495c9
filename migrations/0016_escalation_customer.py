from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

# Escalations remember the ticket's customer: the priority rule "2+ escalations for
# this customer in 30 days" runs at every triage, and counting ticket.escalated
# events probed every ticket the customer ever had (53 on average in the intake
# bench, 0.1 ms a ticket, growing with the desk's history). Existing escalations
# take their ticket's customer.

BACKFILL = (
    "UPDATE escalation e SET customer_id = t.customer_id FROM ticket t WHERE t.id = e.ticket_id"
)


class Migration(migrations.Migration):
    dependencies = [("models", "0015_compact_decisions")]

    initial = False

    operations = [
        ops.AddField(model_name="Escalation", name="customer_id", field=fields.IntField(null=True)),
        ops.RunSQL(BACKFILL, reverse_sql="SELECT 1"),
        ops.AlterField(
            model_name="Escalation",
            name="customer_id",
            field=fields.IntField(
                description="The ticket's customer, so counting a customer's recent "
                "escalations (a priority rule, at every triage) is one index range, "
                "whatever their history."
            ),
        ),
        ops.AddIndex(
            model_name="Escalation",
            index=Index(fields=["customer_id", "created_at"], name="escalation_customer_idx"),
        ),
    ]
