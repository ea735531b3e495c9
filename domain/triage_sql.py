"""The SQL behind triage: locking the ticket with its customer's facts, and its record."""

from domain.sla_sql import CLOCKS_JSON
from domain.ticket_writes import RowWrite

# The customer's escalations since $2: one range of escalation_customer_idx (counting
# ticket.escalated events walked every ticket the customer ever had).
ESCALATIONS = """
(SELECT count(*) FROM escalation x WHERE x.customer_id = c.id AND x.created_at > $2)
"""
CUSTOMER_FACTS = (
    f"SELECT c.tier, c.vip, {ESCALATIONS} AS escalations FROM customer c WHERE c.id = $1"
)
# The ticket, locked, with what priority and rules need to know about its customer.
LOCKED_TICKET = f"""
SELECT t.*, c.tier AS customer_tier_, c.vip AS customer_vip_, {ESCALATIONS} AS escalations_,
       {CLOCKS_JSON} AS sla_clocks_
FROM ticket t JOIN customer c ON c.id = t.customer_id
WHERE t.id = $1 FOR UPDATE OF t
"""

UPSERT_TRIAGE = RowWrite("""
INSERT INTO triage_record (ticket_id, label, confidence, source, model_version, threshold,
    priority, priority_reasons, applied_rules, triaged_at, runs)
SELECT *, 1 FROM unnest($1::int[], $2::text[], $3::float8[], $4::text[], $5::text[],
    $6::float8[], $7::text[], $8::jsonb[], $9::jsonb[], $10::timestamptz[])
ON CONFLICT (ticket_id) DO UPDATE SET label = EXCLUDED.label,
    confidence = EXCLUDED.confidence, source = EXCLUDED.source,
    model_version = EXCLUDED.model_version, threshold = EXCLUDED.threshold,
    priority = EXCLUDED.priority, priority_reasons = EXCLUDED.priority_reasons,
    applied_rules = EXCLUDED.applied_rules, triaged_at = EXCLUDED.triaged_at,
    runs = triage_record.runs + 1
""")

# Several tickets, locked in id order (two batches never wait on each other in a cycle).
LOCKED_TICKETS = f"""
SELECT t.*, c.tier AS customer_tier_, c.vip AS customer_vip_, {ESCALATIONS} AS escalations_,
       {CLOCKS_JSON} AS sla_clocks_
FROM ticket t JOIN customer c ON c.id = t.customer_id
WHERE t.id = ANY($1::int[])
ORDER BY t.id
FOR UPDATE OF t
"""
