from tortoise import migrations
from tortoise.migrations import operations as ops

# The relay records how far it has published instead of stamping every event.
# Stamping was a second, index-changing write of each event row, and the partial
# index of unpublished rows filled with dead entries that every relay round walked
# (8,000-12,000 of them for a few hundred live rows at 400 tickets/s). Each event
# now carries the id of the transaction that wrote it (txid), and outbox_progress
# holds the relay's last snapshot: the transactions still running then (running)
# and the first one not started (next_xid). The next round publishes exactly the events
# written by those, or by later, transactions; see domain/outbox.py.

PROGRESS = """
ALTER TABLE ticket_event ADD COLUMN txid xid8;
-- only what is still to publish gets this transaction's id (a default given with
-- the column would be stamped on every past event, and all of it published again)
UPDATE ticket_event SET txid = pg_current_xact_id() WHERE published_at IS NULL;
ALTER TABLE ticket_event ALTER COLUMN txid SET DEFAULT pg_current_xact_id();
CREATE INDEX ticket_event_txid_idx ON ticket_event (txid);
CREATE TABLE outbox_progress (
    id int PRIMARY KEY CHECK (id = 1),
    next_xid xid8 NOT NULL,
    running xid8[] NOT NULL
);
INSERT INTO outbox_progress (id, next_xid, running) VALUES (1, pg_current_xact_id(), '{}');
DROP INDEX IF EXISTS ticket_event_unpublished_idx;
"""

STAMPS = """
UPDATE ticket_event e SET published_at = e.created_at FROM outbox_progress p
    WHERE e.txid IS NULL OR (e.txid < p.next_xid AND NOT e.txid = ANY(p.running));
DROP TABLE IF EXISTS outbox_progress;
DROP INDEX IF EXISTS ticket_event_txid_idx;
ALTER TABLE ticket_event DROP COLUMN IF EXISTS txid;
CREATE INDEX IF NOT EXISTS ticket_event_unpublished_idx ON ticket_event (id)
    WHERE published_at IS NULL;
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0011_outbox_wake")]

    initial = False

    operations = [
        ops.RunSQL(PROGRESS, reverse_sql=STAMPS),
        ops.RemoveField(model_name="TicketEvent", name="published_at"),
    ]
