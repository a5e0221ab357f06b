"""Plans (agents/reasoning/plans/): ``Plan``, the stable identity, and ``PlanVersion``, each version immutable.

PostgreSQL also holds, by triggers (SQLite, the zero-setup default, relies on the services and on
``check_integrity``):

- ``planversion_frozen``: a version's content never changes once written (a revision is a new version);
  only ``is_current`` may be switched off, ``used_at`` set once, ``created_by`` cleared with its user;
- ``plan_role_is_template``: a plan's role is a global template (no organization), and stays one;
- ``plan_scope_fixed``: a plan keeps its organization or role.

Violations raise SQLSTATE 23514 (check_violation), which Django reports as IntegrityError.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
import django.db.models.functions.text
import django.db.models.lookups
import uuid
from django.conf import settings
from django.db import migrations, models


POSTGRESQL_FORWARD = [
    """CREATE FUNCTION agents_planversion_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF (NEW.id, NEW.plan_id, NEW.version, NEW.trigger_kind, NEW.trigger_name, NEW.trigger_ontology,
             NEW.trigger_protocol, NEW.args, NEW.context, NEW.body, NEW.source_order, NEW.atomic, NEW.created_at)
            IS DISTINCT FROM
            (OLD.id, OLD.plan_id, OLD.version, OLD.trigger_kind, OLD.trigger_name, OLD.trigger_ontology,
             OLD.trigger_protocol, OLD.args, OLD.context, OLD.body, OLD.source_order, OLD.atomic, OLD.created_at)
            OR (NEW.is_current AND NOT OLD.is_current)
            OR (OLD.used_at IS NOT NULL AND NEW.used_at IS DISTINCT FROM OLD.used_at) THEN
           RAISE EXCEPTION 'plan version %: a version never changes; revise the plan to make a new one', OLD.id
             USING ERRCODE = '23514', CONSTRAINT = 'planversion_frozen';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER planversion_frozen BEFORE UPDATE ON agents_planversion
       FOR EACH ROW EXECUTE FUNCTION agents_planversion_frozen()""",
    """CREATE FUNCTION agents_plan_scope() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND (NEW.organization_id, NEW.role_id) IS DISTINCT FROM (OLD.organization_id, OLD.role_id)
         THEN
           RAISE EXCEPTION 'plan %: a plan keeps its organization or role', NEW.id
             USING ERRCODE = '23514', CONSTRAINT = 'plan_scope_fixed';
         END IF;
         IF NEW.role_id IS NOT NULL AND EXISTS (
              SELECT 1 FROM agents_agentrole r WHERE r.id = NEW.role_id AND r.organization_id IS NOT NULL) THEN
           RAISE EXCEPTION 'plan %: role % is not a global template', NEW.id, NEW.role_id
             USING ERRCODE = '23514', CONSTRAINT = 'plan_role_is_template';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER plan_scope BEFORE INSERT OR UPDATE OF organization_id, role_id
       ON agents_plan FOR EACH ROW EXECUTE FUNCTION agents_plan_scope()""",
    """CREATE FUNCTION agents_agentrole_template_kept() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.organization_id IS NOT NULL AND EXISTS (SELECT 1 FROM agents_plan p WHERE p.role_id = NEW.id) THEN
           RAISE EXCEPTION 'role %: plans of the template use it', NEW.id
             USING ERRCODE = '23514', CONSTRAINT = 'plan_role_is_template';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER agentrole_template_kept BEFORE UPDATE OF organization_id
       ON agents_agentrole FOR EACH ROW EXECUTE FUNCTION agents_agentrole_template_kept()""",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS agentrole_template_kept ON agents_agentrole",
    "DROP FUNCTION IF EXISTS agents_agentrole_template_kept()",
    "DROP TRIGGER IF EXISTS plan_scope ON agents_plan",
    "DROP FUNCTION IF EXISTS agents_plan_scope()",
    "DROP TRIGGER IF EXISTS planversion_frozen ON agents_planversion",
    "DROP FUNCTION IF EXISTS agents_planversion_frozen()",
]


def _postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0008_agent_events'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Plan',
            fields=[
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('label', models.CharField(help_text="The plan's name in its scope (@label).", max_length=100)),
                ('enabled', models.BooleanField(default=True, help_text='Off: no new intention starts on it; running ones finish.')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organization', models.ForeignKey(blank=True, help_text='The organization whose agents use it.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='plans', to='agents.organization')),
                ('role', models.ForeignKey(blank=True, help_text='A global role template: every agent holding it uses the plan.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='agents.agentrole')),
            ],
            options={
                'ordering': ['label', 'id'],
            },
        ),
        migrations.CreateModel(
            name='PlanVersion',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('version', models.PositiveIntegerField()),
                ('is_current', models.BooleanField(default=True, help_text='The version new intentions start on.')),
                ('trigger_kind', models.CharField(choices=[('goal_added', '+!goal: a goal was adopted'), ('goal_failed', '-!goal: a goal failed (recovery)'), ('test_goal', '+?belief: a test found no belief'), ('belief_added', '+belief: a belief was added'), ('belief_removed', '-belief: a belief was removed'), ('message', 'a message arrived'), ('approval', 'a person decided on an approval'), ('action_result', "an action's result came back"), ('timer', 'a timer fired')], max_length=16)),
                ('trigger_name', models.CharField(help_text='The goal, belief, performative, action, approval or timer it matches.', max_length=200)),
                ('trigger_ontology', models.CharField(blank=True, default='', max_length=200)),
                ('trigger_protocol', models.CharField(blank=True, default='', max_length=200)),
                ('args', models.JSONField(blank=True, default=list, help_text='The names it binds from the event, in order.')),
                ('context', models.TextField(blank=True, default='', help_text='Empty: always applicable.', max_length=5000)),
                ('body', models.JSONField(blank=True, default=list, help_text='The steps, as JSON (docs/reasoning.md).')),
                ('source_order', models.PositiveIntegerField(default=0, help_text="Jason's plan order: lower is tried first.")),
                ('atomic', models.BooleanField(default=False, help_text='Runs to its end before any other intention steps.')),
                ('used_at', models.DateTimeField(blank=True, help_text='When an intention first ran this version.', null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='agents.plan')),
            ],
            options={
                'ordering': ['plan_id', '-version'],
            },
        ),
        migrations.AddConstraint(
            model_name='plan',
            constraint=models.CheckConstraint(condition=models.Q(('organization__isnull', True), ('role__isnull', True), _connector='XOR'), name='plan_one_scope'),
        ),
        migrations.AddConstraint(
            model_name='plan',
            constraint=models.UniqueConstraint(condition=models.Q(('organization__isnull', False)), fields=('organization', 'label'), name='plan_label_unique_in_org'),
        ),
        migrations.AddConstraint(
            model_name='plan',
            constraint=models.UniqueConstraint(condition=models.Q(('role__isnull', False)), fields=('role', 'label'), name='plan_label_unique_in_role'),
        ),
        migrations.AddConstraint(
            model_name='plan',
            constraint=models.CheckConstraint(condition=models.Q(('label__regex', '^[A-Za-z_][A-Za-z0-9_]{0,99}$')), name='plan_label_format'),
        ),
        migrations.AddIndex(
            model_name='planversion',
            index=models.Index(condition=models.Q(('is_current', True)), fields=['trigger_kind', 'trigger_name'], name='planversion_current_trigger'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.UniqueConstraint(fields=('plan', 'version'), name='planversion_number_unique'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('plan',), name='planversion_one_current'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='planversion_number_positive'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=models.Q(('trigger_kind__in', ['goal_added', 'goal_failed', 'test_goal', 'belief_added', 'belief_removed', 'message', 'approval', 'action_result', 'timer'])), name='planversion_trigger_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=models.Q(('source_order__lte', 1000000)), name='planversion_source_order_range'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length(django.db.models.functions.comparison.Cast('args', output_field=models.TextField())), 32768), name='planversion_args_size'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length(django.db.models.functions.comparison.Cast('body', output_field=models.TextField())), 32768), name='planversion_body_size'),
        ),
        migrations.RunPython(_postgresql(POSTGRESQL_FORWARD), _postgresql(POSTGRESQL_BACKWARD)),
    ]
