from tortoise import migrations
from tortoise.migrations import operations as ops

# A routing decision records its candidates as columns (domain/routing_candidates.py):
# {"agentId": [..], "current": [..], "maxTickets": [..], "skillLevel": [..],
#  "handleTime": [..], "chosen": id}; capacity, skill and the score follow from these
# and the decision's weights. One object per candidate was about 8 KB for 50
# candidates, compressed out of line on every triage; this is about 1.5 KB.
# Decisions already stored are rewritten in the new shape (and back on reverse).

_COLUMN = "coalesce((SELECT jsonb_agg(c -> '{key}' ORDER BY n) FROM jsonb_array_elements(candidates) WITH ORDINALITY AS x(c, n)), '[]')"

TO_COLUMNS = f"""
UPDATE routing_decision SET candidates = jsonb_build_object(
    'agentId', {_COLUMN.format(key="agentId")},
    'current', {_COLUMN.format(key="current")},
    'maxTickets', {_COLUMN.format(key="maxTickets")},
    'skillLevel', {_COLUMN.format(key="skillLevel")},
    'handleTime', {_COLUMN.format(key="handleTime")},
    'chosen', (SELECT c -> 'agentId' FROM jsonb_array_elements(candidates) AS x(c)
               WHERE (c ->> 'chosen')::bool LIMIT 1))
WHERE jsonb_typeof(candidates) = 'array'
"""

TO_OBJECTS = """
UPDATE routing_decision d SET candidates = coalesce((
    SELECT jsonb_agg(jsonb_build_object(
        'agentId', d.candidates -> 'agentId' -> i,
        'current', d.candidates -> 'current' -> i,
        'maxTickets', d.candidates -> 'maxTickets' -> i,
        'skillLevel', d.candidates -> 'skillLevel' -> i,
        'capacity', round((1 - (d.candidates -> 'current' ->> i)::numeric
                          / (d.candidates -> 'maxTickets' ->> i)::numeric), 6),
        'skill', round((d.candidates -> 'skillLevel' ->> i)::numeric / 5, 6),
        'handleTime', round((d.candidates -> 'handleTime' ->> i)::numeric, 6),
        'score', round(
            (d.weights ->> 'capacity')::numeric * (1 - (d.candidates -> 'current' ->> i)::numeric
                                                   / (d.candidates -> 'maxTickets' ->> i)::numeric)
            + (d.weights ->> 'skill')::numeric * (d.candidates -> 'skillLevel' ->> i)::numeric / 5
            + (d.weights ->> 'handleTime')::numeric * (d.candidates -> 'handleTime' ->> i)::numeric,
            6),
        'chosen', (d.candidates -> 'agentId' -> i) = (d.candidates -> 'chosen'))
        ORDER BY i)
    FROM generate_series(0, jsonb_array_length(d.candidates -> 'agentId') - 1) AS i), '[]')
WHERE jsonb_typeof(d.candidates) = 'object'
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0014_reserve_ranked")]

    initial = False

    operations = [ops.RunSQL(TO_COLUMNS, reverse_sql=TO_OBJECTS)]
