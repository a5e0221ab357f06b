"""Deliveries are ordered by a number the database assigns at insert, not by a web host's clock.

``sent_at`` was the sending process's ``timezone.now()``: with two web hosts whose clocks differ, one
client's sends alternating between them were handed over out of order. ``seq`` comes from one
PostgreSQL sequence (``agents_delivery_seq``): the outbox statement takes ``nextval`` for each delivery
in send order, and a trigger fills it for any other INSERT (tests, manual repairs). SQLite (one writer,
the zero-setup default) gets it from the outbox's ORM path. Existing rows are numbered in their old order.

The ordering indexes are re-cut so each ordering probe is one index descent (docs/messaging.md).
"""

from django.db import migrations, models

POSTGRESQL_FORWARD = [
    "CREATE SEQUENCE agents_delivery_seq AS bigint OWNED BY agents_delivery.seq",
    "UPDATE agents_delivery d SET seq = o.n FROM ("
    "SELECT id, row_number() OVER (ORDER BY sent_at, id) AS n FROM agents_delivery) o WHERE d.id = o.id",
    "SELECT setval('agents_delivery_seq', COALESCE((SELECT max(seq) FROM agents_delivery), 0) + 1, false)",
    """
    CREATE FUNCTION agents_delivery_assign_seq() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.seq := nextval('agents_delivery_seq');
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER agents_delivery_assign_seq BEFORE INSERT ON agents_delivery FOR EACH ROW "
    "WHEN (NEW.seq IS NULL) EXECUTE FUNCTION agents_delivery_assign_seq()",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS agents_delivery_assign_seq ON agents_delivery",
    "DROP FUNCTION IF EXISTS agents_delivery_assign_seq()",
    "DROP SEQUENCE IF EXISTS agents_delivery_seq",
]


def _number(statements: list[str], sqlite: str | None = None):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)
        elif sqlite:
            schema_editor.execute(sqlite, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0006_delivery_autovacuum'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='delivery',
            options={'ordering': ['seq'], 'verbose_name_plural': 'deliveries'},
        ),
        migrations.RemoveIndex(
            model_name='delivery',
            name='delivery_order_idx',
        ),
        migrations.RemoveIndex(
            model_name='delivery',
            name='delivery_inbox_idx',
        ),
        migrations.AddField(
            model_name='delivery',
            name='seq',
            field=models.BigIntegerField(blank=True, editable=False, help_text='Send order, assigned by the database at insert.', null=True),
        ),
        migrations.RunPython(_number(POSTGRESQL_FORWARD, sqlite="UPDATE agents_delivery SET seq = rowid"),
                             _number(POSTGRESQL_BACKWARD)),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status__in', ('pending', 'dispatched', 'failed'))), fields=['conversation_id', 'recipient', 'seq'], name='delivery_order_seq_idx'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status', 'dispatched')), fields=['conversation_id', 'recipient', 'seq'], name='delivery_inflight_idx'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status__in', ('pending', 'failed'))), fields=['conversation_id', 'recipient', 'next_attempt_at'], name='delivery_waiting_idx'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status', 'delivered')), fields=['recipient', 'seq'], name='delivery_inbox_seq_idx'),
        ),
    ]
