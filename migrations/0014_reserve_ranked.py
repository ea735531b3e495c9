from importlib import import_module

from tortoise import migrations
from tortoise.migrations import operations as ops

# Routing no longer re-scores each ticket's shortlist in PostgreSQL: the process's
# roster ranks the candidates, and this function only reserves, for a whole triage
# batch in one call (domain/routing_pick.py). The function it replaces (0013)
# re-scored up to 100 rows per ticket and returned them all: about 1 ms of
# PostgreSQL a ticket at 300 tickets/s, most of intake's database time.
#
# starts: where each request's ranked agent ids begin in ids (1-based, one more
# entry than there are requests: the end); then per request its team, minimum
# tier, whether a senior is required, its category and whether the skill was
# waived (widened). For each request, in order, the first listed agent that still
# qualifies (that team, available, with room, the tier, seniority and skill) and
# that no other routing holds (SKIP LOCKED: a reservation never waits, so two
# batches cannot deadlock) gets one more ticket: a change committed since the
# roster's refresh never puts a ticket with an agent who no longer qualifies.
# Each statement sees the reservations before it, so a full agent is passed
# over. Returns one row per request: its 0-based index and the agent reserved
# (null: none of its list could take it).

RESERVE_RANKED = """
CREATE FUNCTION frontdesk_reserve_ranked(
    starts int[], ids int[], teams int[], tiers text[], seniors bool[], categories int[],
    widened bool[]
) RETURNS TABLE (request int, agent_id int)
LANGUAGE plpgsql AS $$
DECLARE
    r int;
    j int;
    v_chosen int;
BEGIN
    FOR r IN 1 .. coalesce(array_length(teams, 1), 0) LOOP
        v_chosen := NULL;
        FOR j IN starts[r] .. starts[r + 1] - 1 LOOP
            UPDATE agent a SET current_ticket_count = a.current_ticket_count + 1
            WHERE a.id = (
                SELECT f.id FROM agent f
                WHERE f.id = ids[j] AND f.team_id = teams[r] AND f.is_available
                  AND f.current_ticket_count < f.max_tickets AND f.support_tier >= tiers[r]
                  AND (f.senior OR NOT seniors[r])
                  AND (widened[r] OR f.skill_map ? categories[r]::text)
                FOR UPDATE SKIP LOCKED
            )
            RETURNING a.id INTO v_chosen;
            EXIT WHEN v_chosen IS NOT NULL;
        END LOOP;
        request := r - 1;
        agent_id := v_chosen;
        RETURN NEXT;
    END LOOP;
END $$;
"""

DROP_PICK_LISTED = "DROP FUNCTION frontdesk_pick_listed(jsonb, float8, float8, float8, int)"
DROP_RESERVE_RANKED = (
    "DROP FUNCTION frontdesk_reserve_ranked(int[], int[], int[], text[], bool[], int[], bool[])"
)


class Migration(migrations.Migration):
    dependencies = [("models", "0013_pick_listed")]

    initial = False

    operations = [
        ops.RunSQL(RESERVE_RANKED, reverse_sql=DROP_RESERVE_RANKED),
        ops.RunSQL(
            DROP_PICK_LISTED,
            reverse_sql=import_module("migrations.0013_pick_listed").PICK_LISTED,
        ),
    ]
