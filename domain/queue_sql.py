"""The SQL behind live queue views: a queue's members with their sort keys.

Built from the pieces of ``routing_sql.QUEUE_ORDER`` and ``IN_QUEUE``, so the
list a subscriber holds sorts and filters exactly as ``queue`` pages and agents
taking work do. The keys are returned rather than only the order, so the
server can place a refreshed ticket without reading the whole queue again.
"""

from domain.routing_sql import IN_QUEUE, PRIORITY_ORDER, QUEUE_ORDER, SOONEST_DEADLINE

_KEYS = f"t.id, {PRIORITY_ORDER} AS priority_rank, {SOONEST_DEADLINE} AS deadline, t.queued_at"
# $1 team (NULL: every team), $2 category (NULL: every category)
_SCOPE = "($1::int IS NULL OR t.team_id = $1) AND ($2::int IS NULL OR t.category_id = $2)"

# Every ticket in the queue, in queue order.
MEMBERS = f"""
SELECT {_KEYS} FROM ticket t
WHERE {IN_QUEUE} AND {_SCOPE}
ORDER BY {QUEUE_ORDER}
"""

# $3 ticket ids: those of them in the queue now, with their keys (the rest are not).
REFRESH = f"""
SELECT {_KEYS} FROM ticket t
WHERE t.id = ANY($3::int[]) AND {IN_QUEUE} AND {_SCOPE}
"""
