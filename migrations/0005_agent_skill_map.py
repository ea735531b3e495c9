from tortoise import migrations
from tortoise.migrations import operations as ops

# agent.skill_map: {"<category id>": [level, avg_handle_seconds]}, kept by triggers on
# agent_skill. Routing scores thousands of agents per decision; reading their skills
# from the agent row instead of joining agent_skill halves the cost (docs/intake.md).
# It is not a model field: only the database writes it, and only routing reads it.

REFRESH = """
CREATE FUNCTION frontdesk_refresh_skill_map(agent_ids int[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE agent a SET skill_map = COALESCE(
        (SELECT jsonb_object_agg(s.category_id::text,
                                 jsonb_build_array(s.level, s.avg_handle_seconds))
         FROM agent_skill s WHERE s.agent_id = a.id),
        '{}'::jsonb)
    WHERE a.id = ANY(agent_ids)
$$
"""

ON_INSERT = """
CREATE FUNCTION frontdesk_skill_map_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM frontdesk_refresh_skill_map(ARRAY(SELECT DISTINCT agent_id FROM new_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER agent_skill_map_inserted AFTER INSERT ON agent_skill
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION frontdesk_skill_map_inserted();
"""

ON_UPDATE = """
CREATE FUNCTION frontdesk_skill_map_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM frontdesk_refresh_skill_map(
        ARRAY(SELECT agent_id FROM new_rows UNION SELECT agent_id FROM old_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER agent_skill_map_updated AFTER UPDATE ON agent_skill
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION frontdesk_skill_map_updated();
"""

ON_DELETE = """
CREATE FUNCTION frontdesk_skill_map_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM frontdesk_refresh_skill_map(ARRAY(SELECT DISTINCT agent_id FROM old_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER agent_skill_map_deleted AFTER DELETE ON agent_skill
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION frontdesk_skill_map_deleted();
"""

DROP = """
DROP TRIGGER IF EXISTS agent_skill_map_inserted ON agent_skill;
DROP TRIGGER IF EXISTS agent_skill_map_updated ON agent_skill;
DROP TRIGGER IF EXISTS agent_skill_map_deleted ON agent_skill;
DROP FUNCTION IF EXISTS frontdesk_skill_map_inserted();
DROP FUNCTION IF EXISTS frontdesk_skill_map_updated();
DROP FUNCTION IF EXISTS frontdesk_skill_map_deleted();
DROP FUNCTION IF EXISTS frontdesk_refresh_skill_map(int[]);
ALTER TABLE agent DROP COLUMN IF EXISTS skill_map;
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0004_intake")]

    initial = False

    operations = [
        ops.RunSQL(
            "ALTER TABLE agent ADD COLUMN skill_map jsonb NOT NULL DEFAULT '{}'::jsonb",
            reverse_sql="SELECT 1",
        ),
        ops.RunSQL(REFRESH, reverse_sql="SELECT 1"),
        ops.RunSQL(ON_INSERT, reverse_sql="SELECT 1"),
        ops.RunSQL(ON_UPDATE, reverse_sql="SELECT 1"),
        ops.RunSQL(ON_DELETE, reverse_sql=DROP),
        ops.RunSQL(
            "SELECT frontdesk_refresh_skill_map(ARRAY(SELECT DISTINCT agent_id FROM agent_skill))",
            reverse_sql="SELECT 1",
        ),
    ]
