"""The delivery table is a queue: every row is inserted, updated two or three times, then left acked.

PostgreSQL's default (vacuum when a fifth of the table is dead) lets dead entries pile up in the claim
index of a table of millions of rows between vacuums, and every claim walks past them. Vacuum and analyze
it after 1 % and 2 % instead. PostgreSQL only: SQLite has no vacuum settings per table.
"""

from django.db import migrations

FORWARD = ("ALTER TABLE agents_delivery SET (autovacuum_vacuum_scale_factor = 0.01, "
           "autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)")
BACKWARD = ("ALTER TABLE agents_delivery RESET (autovacuum_vacuum_scale_factor, "
            "autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)")


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [("agents", "0005_dead_letter_proxy")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
