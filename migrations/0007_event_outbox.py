from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# The relay sleeps until events commit: a statement-level trigger notifies once per
# statement, and PostgreSQL delivers the notification only if the transaction
# commits (a rolled-back change wakes nobody) and folds repeats within one.
NOTIFY_ON_INSERT = """
CREATE FUNCTION frontdesk_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('frontdesk_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER ticket_event_outbox_notify AFTER INSERT ON ticket_event
    FOR EACH STATEMENT EXECUTE FUNCTION frontdesk_outbox_notify();
"""
DROP_NOTIFY = (
    "DROP TRIGGER IF EXISTS ticket_event_outbox_notify ON ticket_event; "
    "DROP FUNCTION IF EXISTS frontdesk_outbox_notify()"
)

class Migration(migrations.Migration):
    dependencies = [('models', '0006_sla')]

    initial = False

    operations = [
        ops.AddField(
            model_name='TicketEvent',
            name='published_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(
            # what happened before the outbox existed is history, not news
            "UPDATE ticket_event SET published_at = created_at",
            reverse_sql="SELECT 1",
        ),
        ops.RunSQL(
            "CREATE INDEX ticket_event_unpublished_idx ON ticket_event (id) "
            "WHERE published_at IS NULL",
            reverse_sql="DROP INDEX IF EXISTS ticket_event_unpublished_idx",
        ),
        ops.RunSQL(NOTIFY_ON_INSERT, reverse_sql=DROP_NOTIFY),
    ]
