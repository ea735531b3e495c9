"""Creating a ticket in one statement: the row and its ``ticket.created`` event.

A single statement is atomic on its own, so creation needs no explicit
transaction, and ``RETURNING`` gives back the number the sequence drew:
one round trip where the ORM took five.
"""

CREATE_TICKET = """
WITH new AS (
    INSERT INTO ticket (customer_id, subject, description, priority, priority_set_by_agent,
        status, category_id, category_source, channel, tags, team_id, created_at, updated_at,
        reopen_count, triage_status, routing_state, priority_reasons, support_tier,
        requires_senior)
    VALUES ($1, $2, $3, $4, $5, 'OPEN', $6, $7, $8, $9, $10, $11, $11, 0, 'PENDING', 'PENDING',
        '[]', 'L1', false)
    RETURNING *
), event AS (
    INSERT INTO ticket_event (ticket_id, kind, actor_role, actor_id, actor_token_id, data,
        created_at, client_id)
    SELECT id, 'ticket.created', $12, $13, $14, $15::jsonb, $11, $16 FROM new
)
SELECT * FROM new
"""
