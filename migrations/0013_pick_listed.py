from tortoise import migrations
from tortoise.migrations import operations as ops

# Routing's shortlist pick as a function, so a triage batch reserves agents for all
# its tickets in one round trip. Per ticket, a worker's batch spent two round trips
# inside its transaction (roster refresh, pick); under load a round trip waited
# ~4 ms for a CPU, so a batch of 30 held its locks ~250 ms and intake stalled at
# about 300 tickets/s. The loop runs the statement that PICK_LISTED was, once per
# request, in order, so each sees the reservations of the ones before it.
#
# requests: [{"team", "category", "tier", "senior", "widened", "listed": [agent ids]}].
# Scoring: w_capacity * (1 - current/max) + w_skill * level/5 + w_handle * speed,
# speed = mean / (mean + own) (0.5 when unknown); the roster (domain/routing_shortlist.py)
# and the whole-team PICK (domain/routing_sql.py) use the same arithmetic.
# Per request: its listed agents that still qualify, best first (at most lim), and
# ``chosen``, the best of them it could lock without waiting and had room (or null).

PICK_LISTED = """
CREATE FUNCTION frontdesk_pick_listed(
    requests jsonb, w_capacity float8, w_skill float8, w_handle float8, lim int
) RETURNS TABLE (request int, id int, current_ticket_count int, max_tickets int, level int,
                 capacity float8, skill float8, handle_time float8, score float8, chosen int)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    r jsonb;
    n int := 0;
    v_team int;
    v_category int;
    v_tier text;
    v_senior bool;
    v_widened bool;
    v_listed int[];
BEGIN
    FOR r IN SELECT value FROM jsonb_array_elements(requests) LOOP
        v_team := (r ->> 'team')::int;
        v_category := (r ->> 'category')::int;
        v_tier := r ->> 'tier';
        v_senior := (r ->> 'senior')::bool;
        v_widened := (r ->> 'widened')::bool;
        v_listed := ARRAY(SELECT jsonb_array_elements_text(r -> 'listed')::int);
        RETURN QUERY
        WITH mean AS MATERIALIZED (
            SELECT c.avg_handle_seconds AS seconds FROM category c WHERE c.id = v_category
        ),
        scored AS MATERIALIZED (
            SELECT s.id, s.current_ticket_count, s.max_tickets, s.level, s.capacity, s.skill,
                   s.handle_time,
                   w_capacity * s.capacity + w_skill * s.skill + w_handle * s.handle_time
                       AS score
            FROM (
                SELECT a.id, a.current_ticket_count, a.max_tickets,
                       COALESCE((sk.skill ->> 0)::int, 0) AS level,
                       1 - a.current_ticket_count::float8 / a.max_tickets AS capacity,
                       COALESCE((sk.skill ->> 0)::int, 0) / 5.0::float8 AS skill,
                       COALESCE(mean.seconds
                                / NULLIF(mean.seconds + (sk.skill ->> 1)::float8, 0), 0.5)
                           AS handle_time
                FROM agent a
                CROSS JOIN mean
                CROSS JOIN LATERAL (SELECT a.skill_map -> v_category::text AS skill) sk
                WHERE a.id = ANY(v_listed) AND a.team_id = v_team AND a.is_available
                  AND a.current_ticket_count < a.max_tickets AND a.support_tier >= v_tier
                  AND (a.senior OR NOT v_senior) AND (v_widened OR sk.skill IS NOT NULL)
            ) s
            ORDER BY score DESC, s.id
            LIMIT lim
        ),
        picked AS (
            UPDATE agent SET current_ticket_count = current_ticket_count + 1
            WHERE agent.id = (
                SELECT a.id FROM scored JOIN agent a ON a.id = scored.id  -- one probe per row
                WHERE a.is_available AND a.current_ticket_count < a.max_tickets
                ORDER BY scored.score DESC, scored.id
                LIMIT 1
                FOR UPDATE OF a SKIP LOCKED
            )
            RETURNING agent.id
        )
        SELECT n, scored.*, (SELECT picked.id FROM picked)
        FROM scored ORDER BY scored.score DESC, scored.id;
        n := n + 1;
    END LOOP;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0012_outbox_progress")]

    initial = False

    operations = [
        ops.RunSQL(
            PICK_LISTED,
            reverse_sql="DROP FUNCTION frontdesk_pick_listed(jsonb, float8, float8, float8, int)",
        ),
    ]
