"""On PostgreSQL, the database itself refuses to change or remove audit events.

A trigger rejects every UPDATE and DELETE, and TRUNCATE, on auditlog_auditevent.
The one escape is TRUNCATE in a session that explicitly sets
``mabos.audit_allow_truncate = 'on'`` first: the test suite sets it so it can
wipe the database between tests (Django's flush truncates every table), and an
operator resetting a development database can. No ORM call or stray statement
can set it by accident. Disabling the trigger needs ALTER TABLE rights (the
table owner or a superuser); that is the boundary the hash chain exists for.

Other database vendors (SQLite in development) skip this; the model and its
queryset still refuse changes there.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION auditlog_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('mabos.audit_allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'auditlog_auditevent is append-only: % is not allowed', TG_OP
        USING HINT = 'Audit events are never changed or removed; see docs/audit.md.';
END;
$$;
CREATE TRIGGER auditlog_auditevent_append_only
    BEFORE UPDATE OR DELETE ON auditlog_auditevent
    FOR EACH ROW EXECUTE FUNCTION auditlog_reject_change();
CREATE TRIGGER auditlog_auditevent_no_truncate
    BEFORE TRUNCATE ON auditlog_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION auditlog_reject_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS auditlog_auditevent_no_truncate ON auditlog_auditevent;
DROP TRIGGER IF EXISTS auditlog_auditevent_append_only ON auditlog_auditevent;
DROP FUNCTION IF EXISTS auditlog_reject_change();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the "%" in RAISE is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
