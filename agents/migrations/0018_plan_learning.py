"""A plan version declares how learning judges it: ``PlanVersion.learning`` (reward, cost, features).

Versions written before hold ``{}``, read as the defaults (no reward, no cost, no features). The new
column is content like the others, so ``planversion_frozen`` (0009_plan) refuses to change it too: the
function is replaced with one that compares ``learning`` as well (PostgreSQL only, as in 0009).
"""

import django.db.models.functions.comparison
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models


def _frozen(columns):
    new = ", ".join(f"NEW.{column}" for column in columns)
    old = ", ".join(f"OLD.{column}" for column in columns)
    return f"""CREATE OR REPLACE FUNCTION agents_planversion_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF ({new})
            IS DISTINCT FROM
            ({old})
            OR (NEW.is_current AND NOT OLD.is_current)
            OR (OLD.used_at IS NOT NULL AND NEW.used_at IS DISTINCT FROM OLD.used_at) THEN
           RAISE EXCEPTION 'plan version %: a version never changes; revise the plan to make a new one', OLD.id
             USING ERRCODE = '23514', CONSTRAINT = 'planversion_frozen';
         END IF;
         RETURN NEW;
       END $$"""


#: The content columns of 0009_plan's function, in its order.
CONTENT = ["id", "plan_id", "version", "trigger_kind", "trigger_name", "trigger_ontology", "trigger_protocol",
           "args", "context", "body", "source_order", "atomic", "created_at"]
POSTGRESQL_FORWARD = [_frozen([*CONTENT, "learning"])]
POSTGRESQL_BACKWARD = [_frozen(CONTENT)]


def _postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0017_supervision'),
    ]

    operations = [
        migrations.AddField(
            model_name='planversion',
            name='learning',
            field=models.JSONField(blank=True, default=dict, help_text='Reward, cost and features: how learning judges the plan (docs/reasoning.md).'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length(django.db.models.functions.comparison.Cast('learning', output_field=models.TextField())), 32768), name='planversion_learning_size'),
        ),
        # Backward, the old function comes back before the column goes (it names no learning).
        migrations.RunPython(_postgresql(POSTGRESQL_FORWARD), _postgresql(POSTGRESQL_BACKWARD)),
    ]
