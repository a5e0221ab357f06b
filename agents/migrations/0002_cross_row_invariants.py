"""Invariants across rows, held by PostgreSQL itself (SQLite, the zero-setup default, relies on
the services and on ``check_integrity``):

- composite foreign keys: a supervisor, a group member and a group are in the agent's own
  organization; a parent goal belongs to the same agent;
- triggers: an agent's role is global or of its organization; no supervisor cycles; no goal cycles.

Violations raise SQLSTATE 23514 (check_violation), which Django reports as IntegrityError.
"""

from django.db import migrations

FORWARD = [
    """ALTER TABLE agents_agent ADD CONSTRAINT agent_supervisor_same_org
       FOREIGN KEY (organization_id, supervisor_id) REFERENCES agents_agent (organization_id, id)""",
    """ALTER TABLE agents_membership ADD CONSTRAINT membership_agent_same_org
       FOREIGN KEY (organization_id, agent_id) REFERENCES agents_agent (organization_id, id) ON DELETE CASCADE""",
    """ALTER TABLE agents_membership ADD CONSTRAINT membership_group_same_org
       FOREIGN KEY (organization_id, group_id) REFERENCES agents_agentgroup (organization_id, id) ON DELETE CASCADE""",
    """ALTER TABLE agents_goal ADD CONSTRAINT goal_parent_same_agent
       FOREIGN KEY (agent_id, parent_id) REFERENCES agents_goal (agent_id, id) ON DELETE CASCADE""",
    """CREATE FUNCTION agents_agent_role_scope() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM agents_agentrole r WHERE r.id = NEW.role_id
                    AND r.organization_id IS NOT NULL AND r.organization_id <> NEW.organization_id) THEN
           RAISE EXCEPTION 'agent %: role % belongs to another organization', NEW.id, NEW.role_id
             USING ERRCODE = '23514', CONSTRAINT = 'agent_role_same_org';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER agent_role_same_org BEFORE INSERT OR UPDATE OF role_id, organization_id
       ON agents_agent FOR EACH ROW EXECUTE FUNCTION agents_agent_role_scope()""",
    """CREATE FUNCTION agents_agentrole_scope_kept() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.organization_id IS NOT NULL AND EXISTS (
              SELECT 1 FROM agents_agent a WHERE a.role_id = NEW.id AND a.organization_id <> NEW.organization_id) THEN
           RAISE EXCEPTION 'role %: agents of other organizations use it', NEW.id
             USING ERRCODE = '23514', CONSTRAINT = 'agent_role_same_org';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER agentrole_scope_kept BEFORE UPDATE OF organization_id
       ON agents_agentrole FOR EACH ROW EXECUTE FUNCTION agents_agentrole_scope_kept()""",
    """CREATE FUNCTION agents_agent_no_supervisor_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.supervisor_id IS NOT NULL AND EXISTS (
              WITH RECURSIVE chain(id) AS (
                SELECT NEW.supervisor_id
                UNION
                SELECT a.supervisor_id FROM agents_agent a JOIN chain c ON a.id = c.id
                WHERE a.supervisor_id IS NOT NULL)
              SELECT 1 FROM chain WHERE chain.id = NEW.id) THEN
           RAISE EXCEPTION 'agent %: supervisor % would close a cycle', NEW.id, NEW.supervisor_id
             USING ERRCODE = '23514', CONSTRAINT = 'agent_supervisor_acyclic';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER agent_supervisor_acyclic BEFORE INSERT OR UPDATE OF supervisor_id
       ON agents_agent FOR EACH ROW EXECUTE FUNCTION agents_agent_no_supervisor_cycle()""",
    """CREATE FUNCTION agents_goal_no_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.parent_id IS NOT NULL AND EXISTS (
              WITH RECURSIVE chain(id) AS (
                SELECT NEW.parent_id
                UNION
                SELECT g.parent_id FROM agents_goal g JOIN chain c ON g.id = c.id WHERE g.parent_id IS NOT NULL)
              SELECT 1 FROM chain WHERE chain.id = NEW.id) THEN
           RAISE EXCEPTION 'goal %: parent % would close a cycle', NEW.id, NEW.parent_id
             USING ERRCODE = '23514', CONSTRAINT = 'goal_tree_acyclic';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER goal_tree_acyclic BEFORE INSERT OR UPDATE OF parent_id
       ON agents_goal FOR EACH ROW EXECUTE FUNCTION agents_goal_no_cycle()""",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS goal_tree_acyclic ON agents_goal",
    "DROP FUNCTION IF EXISTS agents_goal_no_cycle()",
    "DROP TRIGGER IF EXISTS agent_supervisor_acyclic ON agents_agent",
    "DROP FUNCTION IF EXISTS agents_agent_no_supervisor_cycle()",
    "DROP TRIGGER IF EXISTS agentrole_scope_kept ON agents_agentrole",
    "DROP FUNCTION IF EXISTS agents_agentrole_scope_kept()",
    "DROP TRIGGER IF EXISTS agent_role_same_org ON agents_agent",
    "DROP FUNCTION IF EXISTS agents_agent_role_scope()",
    "ALTER TABLE agents_goal DROP CONSTRAINT IF EXISTS goal_parent_same_agent",
    "ALTER TABLE agents_membership DROP CONSTRAINT IF EXISTS membership_group_same_org",
    "ALTER TABLE agents_membership DROP CONSTRAINT IF EXISTS membership_agent_same_org",
    "ALTER TABLE agents_agent DROP CONSTRAINT IF EXISTS agent_supervisor_same_org",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [("agents", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
