"""The SQL behind routing, kept in one place so its shape is easy to review.

Queue order everywhere is: priority (URGENT first), then the soonest running SLA
deadline (tickets without one after those with one), then time in the queue, then
id. Tiers compare as text ('L1' < 'L2' < 'L3').
"""

from domain.ticket_writes import RowWrite

PRIORITY_ORDER = (
    "CASE t.priority WHEN 'URGENT' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2 ELSE 3 END"
)
# Two index probes per queued ticket (sla_clock is unique on ticket and target).
SOONEST_DEADLINE = (
    "(SELECT min(k.due_at) FROM sla_clock k WHERE k.ticket_id = t.id AND k.state = 'RUNNING')"
)
QUEUE_ORDER = f"{PRIORITY_ORDER}, {SOONEST_DEADLINE} NULLS LAST, t.queued_at, t.id"
ACTIVE_STATUSES = "('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER')"
# What "in a queue" means: waiting for an agent and still active.
IN_QUEUE = f"t.routing_state = 'QUEUED' AND t.status IN {ACTIVE_STATUSES}"

# $1 team, $2 category, $3 minimum tier, $4 senior required, $5 skill optional
# (widened), $6..$8 weights (capacity, skill, handle time), $9 how many to list.
# Handle-time speed compares the agent's mean with the category's: m / (m + own).
# Skills come from agent.skill_map ({"<category id>": [level, mean seconds]}), which
# triggers on agent_skill keep current (migration 0005): no join per candidate.
QUALIFIES = (
    "a.team_id = $1 AND a.is_available AND a.current_ticket_count < a.max_tickets"
    " AND a.support_tier >= $3 AND (a.senior OR NOT $4)"
)

# The whole team scored in SQL, when the roster's picks were refused: one
# statement scores the candidates, lists the best and reserves the best one it can
# lock without waiting (an agent another routing holds is skipped): ``chosen`` is
# that agent, or null when every listed agent was held or full.
PICK = f"""
WITH mean AS MATERIALIZED (SELECT avg_handle_seconds AS seconds FROM category WHERE id = $2),
scored AS MATERIALIZED (
    SELECT id, current_ticket_count, max_tickets, level, capacity, skill, handle_time,
           $6::float8 * capacity + $7::float8 * skill + $8::float8 * handle_time AS score
    FROM (
        SELECT a.id, a.current_ticket_count, a.max_tickets,
               COALESCE((sk.skill ->> 0)::int, 0) AS level,
               1 - a.current_ticket_count::float8 / a.max_tickets AS capacity,
               COALESCE((sk.skill ->> 0)::int, 0) / 5.0::float8 AS skill,
               COALESCE(mean.seconds / NULLIF(mean.seconds + (sk.skill ->> 1)::float8, 0), 0.5)
                   AS handle_time
        FROM agent a
        CROSS JOIN mean
        CROSS JOIN LATERAL (SELECT a.skill_map -> $2::int::text AS skill) sk
        WHERE {QUALIFIES} AND ($5 OR sk.skill IS NOT NULL)
    ) candidate
    ORDER BY score DESC, id
    LIMIT $9
),
picked AS (
    UPDATE agent SET current_ticket_count = current_ticket_count + 1
    WHERE id = (
        SELECT a.id FROM scored JOIN agent a ON a.id = scored.id  -- one key probe per row
        WHERE a.is_available AND a.current_ticket_count < a.max_tickets
        ORDER BY scored.score DESC, scored.id
        LIMIT 1
        FOR UPDATE OF a SKIP LOCKED
    )
    RETURNING id
)
SELECT scored.*, (SELECT id FROM picked) AS chosen FROM scored ORDER BY score DESC, id
"""

# The roster's picks for a whole call, reserved in order (migration 0014,
# domain/routing_pick.py): $1 where each request's ids start, $2 the ranked agent
# ids, then per request $3 team, $4 minimum tier, $5 senior required, $6 category,
# $7 skill waived (widened).
RESERVE_RANKED = (
    "SELECT * FROM frontdesk_reserve_ranked($1::int[], $2::int[], $3::int[], $4::text[], "
    "$5::bool[], $6::int[], $7::bool[])"
)

# Only run when PICK's list came back full: how many qualified in all.
CANDIDATE_COUNT = f"""
SELECT count(*) AS total
FROM agent a
WHERE {QUALIFIES} AND ($5 OR (a.skill_map -> $2::int::text) IS NOT NULL)
"""

_AGENT_ROW = """json_build_array(a.id, a.team_id, a.support_tier, a.senior, a.max_tickets,
    a.current_ticket_count, a.is_available, a.skill_map, a.row_version,
    a.changed_xid = pg_current_xact_id_if_assigned())"""

# The process's copy of the agent table (domain/routing_roster.py).
# Every category's mean handle time (a few dozen rows), for the roster's scoring.
_MEANS = "(SELECT coalesce(json_object_agg(id, avg_handle_seconds), '{}') FROM category)"

# Everything, and where the next refresh starts.
ROSTER_LOAD = f"""
SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
       {_MEANS} AS means,
       (SELECT coalesce(json_agg({_AGENT_ROW}), '[]') FROM agent a) AS agents,
       '[]' AS removed
"""

# $1 horizon (xid8 as text), $2 ids to read again.
ROSTER_CHANGES = f"""
SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
       {_MEANS} AS means,
       (SELECT coalesce(json_agg({_AGENT_ROW}), '[]') FROM agent a
        WHERE a.changed_xid >= $1::text::xid8 OR a.id = ANY($2::int[])) AS agents,
       (SELECT coalesce(json_agg(json_build_array(r.agent_id,
            r.removed_xid = pg_current_xact_id_if_assigned())), '[]')
        FROM agent_removal r WHERE r.removed_xid >= $1::text::xid8) AS removed
"""


QUEUE_DEPTH = (
    "SELECT count(*) AS depth FROM ticket t "
    f"WHERE t.routing_state = 'QUEUED' AND t.team_id = $1 AND t.status IN {ACTIVE_STATUSES}"
)

# $1 team; $2 limit; $3 offset.
QUEUE_PAGE = f"""
SELECT t.id FROM ticket t
WHERE {IN_QUEUE} AND t.team_id = $1
ORDER BY {QUEUE_ORDER}
LIMIT $2 OFFSET $3
"""

# $1 agent id, $2 team, $3 agent tier, $4 agent is senior, $5 how many.
TAKEABLE = f"""
SELECT t.id, t.category_id FROM ticket t
WHERE t.routing_state = 'QUEUED' AND t.team_id = $2 AND t.status IN {ACTIVE_STATUSES}
  AND t.support_tier <= $3 AND (NOT t.requires_senior OR $4)
  AND (t.widened_at IS NOT NULL OR EXISTS (
      SELECT 1 FROM agent_skill s WHERE s.agent_id = $1 AND s.category_id = t.category_id
  ))
ORDER BY {QUEUE_ORDER}
LIMIT $5
FOR UPDATE OF t SKIP LOCKED
"""

# $1 cutoff time: queued before it, not widened yet, and the category has a fallback.
STALE_QUEUED = f"""
SELECT t.id FROM ticket t JOIN category c ON c.id = t.category_id
WHERE t.routing_state = 'QUEUED' AND t.widened_at IS NULL AND t.queued_at < $1
  AND t.status IN {ACTIVE_STATUSES}
  AND c.fallback_team_id IS NOT NULL AND c.fallback_team_id IS DISTINCT FROM t.team_id
ORDER BY t.queued_at, t.id
LIMIT $2
"""

# Available agents with room whose team has a queued ticket.
AGENTS_WITH_ROOM = f"""
SELECT a.id FROM agent a
WHERE a.is_available AND a.current_ticket_count < a.max_tickets
  AND EXISTS (SELECT 1 FROM ticket t WHERE t.routing_state = 'QUEUED' AND t.team_id = a.team_id
              AND t.status IN {ACTIVE_STATUSES})
ORDER BY a.current_ticket_count::float8 / a.max_tickets, a.id
LIMIT $1
"""

# Per ticket (arrays of them: see ``RowWrite``).
UPSERT_DECISION = RowWrite("""
INSERT INTO routing_decision (ticket_id, outcome, reason, team_id, agent_id, support_tier,
    requires_senior, candidate_count, candidates, weights, decided_at)
SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[],
    $7::bool[], $8::int[], $9::jsonb[], $10::jsonb[], $11::timestamptz[])
ON CONFLICT (ticket_id) DO UPDATE SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason,
    team_id = EXCLUDED.team_id, agent_id = EXCLUDED.agent_id,
    support_tier = EXCLUDED.support_tier, requires_senior = EXCLUDED.requires_senior,
    candidate_count = EXCLUDED.candidate_count, candidates = EXCLUDED.candidates,
    weights = EXCLUDED.weights, decided_at = EXCLUDED.decided_at
""")

RECORD_HANDLE_TIME = """
WITH agent_mean AS (
    UPDATE agent_skill SET handled_count = handled_count + 1,
        avg_handle_seconds = COALESCE(avg_handle_seconds, 0)
            + ($3::float8 - COALESCE(avg_handle_seconds, 0)) / (handled_count + 1)
    WHERE agent_id = $1 AND category_id = $2
)
UPDATE category SET handled_count = handled_count + 1,
    avg_handle_seconds = COALESCE(avg_handle_seconds, 0)
        + ($3::float8 - COALESCE(avg_handle_seconds, 0)) / (handled_count + 1)
WHERE id = $2
"""
