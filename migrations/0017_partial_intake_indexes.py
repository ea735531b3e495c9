from tortoise.indexes import Index
from tortoise import migrations
from tortoise.migrations import operations as ops

# Every ticket is inserted and then rewritten by triage (a non-HOT update: the
# columns triage sets are indexed), with two or three events: about fifty index
# entries per ticket. Indexes that only ever serve one state become partial, so a
# ticket enters them only while in that state:
# - ticket_triage_idx (triage_status, created_at) served only the intake sweep's
#   search for PENDING tickets;
# - ticket_routing_idx (routing_state, team_id) served only NEEDS_TRIAGE (the
#   triage queue); QUEUED has ticket_queue_order_idx;
# - ticket_event_agent_idx (agent_id, id) serves agent events only; ticket events
#   have no agent_id.
# ticket_event_escalated_idx goes: the escalation count it served reads the
# escalation table since 0016.

FORWARD = """
CREATE INDEX ticket_pending_triage_idx ON ticket (created_at) WHERE triage_status = 'PENDING';
CREATE INDEX ticket_needs_triage_idx ON ticket (created_at, id)
    WHERE routing_state = 'NEEDS_TRIAGE';
CREATE INDEX ticket_event_agent_idx ON ticket_event (agent_id, id) WHERE agent_id IS NOT NULL;
DROP INDEX IF EXISTS ticket_event_escalated_idx;
"""
BACKWARD = """
DROP INDEX IF EXISTS ticket_pending_triage_idx;
DROP INDEX IF EXISTS ticket_needs_triage_idx;
DROP INDEX IF EXISTS ticket_event_agent_idx;
CREATE INDEX ticket_event_escalated_idx ON ticket_event (ticket_id, created_at)
    WHERE kind = 'ticket.escalated';
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0016_escalation_customer")]

    initial = False

    operations = [
        ops.RemoveIndex(model_name="Ticket", name="ticket_routing_idx"),
        ops.RemoveIndex(model_name="Ticket", name="ticket_triage_idx"),
        ops.RemoveIndex(model_name="TicketEvent", name="ticket_event_agent_idx"),
        ops.RunSQL(FORWARD, reverse_sql=BACKWARD),
    ]
