"""TRUNCATE of the audit table needs a privilege the application role does not hold.

Until now any session could opt in to TRUNCATE with
``SET LOCAL mabos.audit_allow_truncate = 'on'``, so the application's own
database role (or anyone holding its credentials) could empty the audit log.
The opt-in stays (nothing truncates by accident), and now also requires that
the role running the statement is a superuser or a member of the role
``mabos_audit_admin`` (when an operator has created it). The application role
must be neither; the test suite connects as the throwaway cluster's superuser,
so Django's flush between tests still works.

UPDATE and DELETE stay refused for everyone, as in 0002. Whoever may disable
the triggers (the table owner, a superuser) is outside what a trigger can stop:
the anchored chain head (auditlog.anchor) catches what they remove.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION auditlog_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('mabos.audit_allow_truncate', true) = 'on' THEN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
            RETURN NULL;
        END IF;
        -- Nested, not AND: pg_has_role raises for a role that does not exist.
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mabos_audit_admin') THEN
            IF pg_has_role(current_user, 'mabos_audit_admin', 'MEMBER') THEN
                RETURN NULL;
            END IF;
        END IF;
        RAISE EXCEPTION 'auditlog_auditevent: TRUNCATE needs a superuser or a member of mabos_audit_admin'
            USING HINT = 'The application role may never empty the audit log; see docs/audit.md.';
    END IF;
    RAISE EXCEPTION 'auditlog_auditevent is append-only: % is not allowed', TG_OP
        USING HINT = 'Audit events are never changed or removed; see docs/audit.md.';
END;
$$;
"""

PREVIOUS = """
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
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the "%" in RAISE is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0002_append_only_trigger")]

    operations = [migrations.RunPython(_run(FUNCTION), _run(PREVIOUS))]
