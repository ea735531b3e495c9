"""Creating tickets in one statement: the rows and their ``ticket.created`` events.

A single statement is atomic on its own, so creation needs no explicit
transaction, and ``RETURNING`` gives back the numbers the sequence drew:
one round trip for every ticket created at the same time.
"""

# New tickets with their ``ticket.created`` events, as many as arrive together
# (domain/ticket_creation.py): one array per column of ``TicketRow``, in its order.
# A ticket whose customer does not exist is left out. Each row comes back with
# ``position_``, its 1-based place in the arrays.
CREATE_TICKETS = """
WITH input AS (
    SELECT nextval('ticket_id_seq')::int AS id, i.*
    FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::int[],
                $7::text[], $8::text[], $9::text[], $10::int[], $11::timestamptz[],
                $12::text[], $13::int[], $14::int[], $15::text[])
         WITH ORDINALITY AS i(customer_id, subject, description, priority,
                              priority_set_by_agent, category_id, category_source, channel,
                              tags, team_id, created_at, actor_role, actor_id, actor_token_id,
                              client_id, position_)
    WHERE EXISTS (SELECT 1 FROM customer c WHERE c.id = i.customer_id)
), new AS (
    INSERT INTO ticket (id, customer_id, subject, description, priority, priority_set_by_agent,
        status, category_id, category_source, channel, tags, team_id, created_at, updated_at,
        reopen_count, triage_status, routing_state, priority_reasons, support_tier,
        requires_senior)
    SELECT id, customer_id, subject, description, priority, priority_set_by_agent, 'OPEN',
        category_id, category_source, channel,
        ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)), team_id, created_at, created_at,
        0, 'PENDING', 'PENDING', '[]', 'L1', false
    FROM input ORDER BY id
    RETURNING *
), event AS (
    INSERT INTO ticket_event (ticket_id, kind, actor_role, actor_id, actor_token_id, data,
        created_at, client_id)
    SELECT id, 'ticket.created', actor_role, actor_id, actor_token_id,
        jsonb_build_object('subject', subject), created_at, client_id
    FROM input ORDER BY id
)
SELECT new.*, input.position_ FROM new JOIN input USING (id)
"""
