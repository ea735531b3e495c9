from tortoise import migrations
from tortoise.migrations import operations as ops

# Routing keeps a copy of the agent table in each process (domain/routing_roster.py)
# and refreshes it before every decision with only the rows changed since the last
# refresh. A trigger stamps every written agent row with the writing transaction's
# id (changed_xid: a refresh asks for rows stamped at or after the oldest
# transaction its previous snapshot saw running, so late commits are not missed)
# and a version from one sequence (row_version: rises with every write of a row, so
# an older refresh finishing last cannot undo a newer one). Deletions are logged in
# agent_removal (a TRUNCATE logs a NULL agent_id: reload everything). None of this
# is a model field: only the database writes it, and only routing reads it.

STAMP = """
CREATE SEQUENCE agent_row_version;
ALTER TABLE agent ADD COLUMN changed_xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE agent ADD COLUMN row_version bigint NOT NULL DEFAULT 0;
CREATE FUNCTION frontdesk_agent_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_xid := pg_current_xact_id();
    NEW.row_version := nextval('agent_row_version');
    RETURN NEW;
END $$;
CREATE TRIGGER agent_stamp BEFORE INSERT OR UPDATE ON agent
    FOR EACH ROW EXECUTE FUNCTION frontdesk_agent_stamp();
CREATE INDEX agent_changed_xid ON agent (changed_xid);
"""

REMOVALS = """
CREATE TABLE agent_removal (
    removed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    agent_id int
);
CREATE INDEX agent_removal_xid ON agent_removal (removed_xid);
CREATE FUNCTION frontdesk_agent_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO agent_removal (agent_id) VALUES (NULL);
    ELSE
        INSERT INTO agent_removal (agent_id) SELECT id FROM old_rows;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER agent_removed AFTER DELETE ON agent
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION frontdesk_agent_removed();
CREATE TRIGGER agent_truncated AFTER TRUNCATE ON agent
    FOR EACH STATEMENT EXECUTE FUNCTION frontdesk_agent_removed();
"""

DROP = """
DROP TRIGGER IF EXISTS agent_stamp ON agent;
DROP TRIGGER IF EXISTS agent_removed ON agent;
DROP TRIGGER IF EXISTS agent_truncated ON agent;
DROP FUNCTION IF EXISTS frontdesk_agent_stamp();
DROP FUNCTION IF EXISTS frontdesk_agent_removed();
DROP TABLE IF EXISTS agent_removal;
ALTER TABLE agent DROP COLUMN IF EXISTS changed_xid;
ALTER TABLE agent DROP COLUMN IF EXISTS row_version;
DROP SEQUENCE IF EXISTS agent_row_version;
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0009_agent_events")]

    initial = False

    operations = [
        ops.RunSQL(STAMP, reverse_sql="SELECT 1"),
        ops.RunSQL(REMOVALS, reverse_sql=DROP),
    ]
