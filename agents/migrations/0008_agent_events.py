"""Inbox events become agent events, and every internal agent gets its runtime row (RUNTIME.md §1).

``InboxEvent`` (a delivery handed to an internal agent) is renamed ``AgentEvent`` and generalized: a kind
(``message`` for every existing row), JSON args, who caused it (``source``: existing rows are messages),
the intention an internal event belongs to. The delivery and the message become optional (only message
events have them) and the delivery stays unique, so a retried hand-over still stores nothing twice. Rows
keep their ids, so their order; a pending one stays pending.

``AgentRuntime`` is created with a row for every internal agent; an agent with pending events is due at
once (``wake_at``), so the events that waited in the old inbox are the first the cycle reasons about.

Reversible: going back drops the runtime rows and every event that is not a message (the old table could
not hold them), and renames the rest back.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
import django.db.models.functions.datetime
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.utils import timezone

EVENT_KINDS = [('message', 'message'), ('goal_added', 'goal added'), ('goal_failed', 'goal failed'),
               ('belief_added', 'belief added'), ('belief_changed', 'belief changed'),
               ('belief_removed', 'belief removed'), ('action_result', 'action result'), ('approval', 'approval'),
               ('timer', 'timer'), ('protocol', 'protocol')]
EVENT_SOURCES = [('message', 'message'), ('user', 'user'), ('agent', 'agent'), ('system', 'system')]

BACKFILL = """
INSERT INTO agents_agentruntime (agent_id, wake_at, cycle_count, last_error, restart_count, created_at, updated_at)
SELECT a.id,
       CASE WHEN EXISTS (SELECT 1 FROM agents_agentevent e WHERE e.agent_id = a.id AND e.consumed_at IS NULL)
            THEN %s END,
       0, '', 0, %s, %s
FROM agents_agent a
WHERE a.kind = 'internal'
"""


def backfill_runtimes(apps, schema_editor):
    now = timezone.now()
    schema_editor.execute(BACKFILL, params=[now, now, now])


def drop_events_the_inbox_cannot_hold(apps, schema_editor):
    """Going back: the inbox table held message events only (a delivery and a message each)."""
    apps.get_model("agents", "AgentEvent").objects.filter(delivery__isnull=True).delete()


def _rename_permissions(apps, old, new):
    """The model's permissions follow its new name (Django renames the content type, not the codenames)."""
    try:
        permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    for row in permission.objects.filter(content_type__app_label="agents", codename__endswith=f"_{old}"):
        if permission.objects.filter(content_type_id=row.content_type_id,
                                     codename=row.codename.replace(old, new)).exists():
            continue  # already created under the new name: leave the old one, it names nothing now
        row.codename = row.codename.replace(old, new)
        row.name = row.name.replace(old.replace("event", " event"), new.replace("event", " event"))
        row.save(update_fields=["codename", "name"])


def permissions_forward(apps, schema_editor):
    _rename_permissions(apps, "inboxevent", "agentevent")


def permissions_backward(apps, schema_editor):
    _rename_permissions(apps, "agentevent", "inboxevent")


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0007_delivery_seq'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.RenameModel(old_name='InboxEvent', new_name='AgentEvent'),
        migrations.RenameIndex(model_name='agentevent', new_name='agentevent_pending_idx',
                               old_name='inboxevent_unconsumed_idx'),
        migrations.AlterField(
            model_name='agentevent',
            name='agent',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='agents.agent'),
        ),
        migrations.AlterField(
            model_name='agentevent',
            name='delivery',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='event', to='agents.delivery'),
        ),
        migrations.AlterField(
            model_name='agentevent',
            name='message',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agents.message'),
        ),
        # Forward: nothing. Backward (run before delivery and message are NOT NULL again): drop other kinds.
        migrations.RunPython(migrations.RunPython.noop, drop_events_the_inbox_cannot_hold),
        migrations.AddField(
            model_name='agentevent',
            name='kind',
            field=models.CharField(choices=EVENT_KINDS, default='message', max_length=24),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='agentevent',
            name='args',
            field=models.JSONField(blank=True, default=dict, help_text="The event's arguments (a JSON object): what plans bind from it."),
        ),
        migrations.AddField(
            model_name='agentevent',
            name='source',
            field=models.CharField(choices=EVENT_SOURCES, default='message', max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='agentevent',
            name='source_id',
            field=models.CharField(blank=True, default='', help_text="The user's or agent's id, when a user or an agent caused it.", max_length=64),
        ),
        migrations.AddField(
            model_name='agentevent',
            name='source_name',
            field=models.CharField(blank=True, default='', help_text='Who caused it, as they were named then.', max_length=200),
        ),
        migrations.AddField(
            model_name='agentevent',
            name='intention',
            field=models.UUIDField(blank=True, db_column='intention_id', help_text='The intention this event belongs to (internal events).', null=True),
        ),
        migrations.AlterField(
            model_name='agentevent',
            name='consumed_at',
            field=models.DateTimeField(blank=True, help_text='Empty: pending.', null=True),
        ),
        migrations.AddConstraint(
            model_name='agentevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['message', 'goal_added', 'goal_failed', 'belief_added', 'belief_changed', 'belief_removed', 'action_result', 'approval', 'timer', 'protocol'])), name='agentevent_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='agentevent',
            constraint=models.CheckConstraint(condition=models.Q(('source__in', ['message', 'user', 'agent', 'system'])), name='agentevent_source_valid'),
        ),
        migrations.AddConstraint(
            model_name='agentevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'message'), _negated=True), models.Q(('delivery__isnull', False), ('message__isnull', False), ('source', 'message')), _connector='OR'), name='agentevent_message_has_delivery'),
        ),
        migrations.AddConstraint(
            model_name='agentevent',
            constraint=models.CheckConstraint(condition=models.Q(('delivery__isnull', True), ('kind', 'message'), _connector='OR'), name='agentevent_delivery_only_for_messages'),
        ),
        migrations.AddConstraint(
            model_name='agentevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('source', 'message'), _negated=True), ('message__isnull', False), _connector='OR'), name='agentevent_message_source_named'),
        ),
        migrations.AddConstraint(
            model_name='agentevent',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length(django.db.models.functions.comparison.Cast('args', output_field=models.TextField())), 66560), name='agentevent_args_size'),
        ),
        migrations.CreateModel(
            name='AgentRuntime',
            fields=[
                ('agent', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='runtime', serialize=False, to='agents.agent')),
                ('wake_at', models.DateTimeField(blank=True, help_text="Due for a cycle from this time (the database's clock); empty: nothing to do.", null=True)),
                ('lease_until', models.DateTimeField(blank=True, help_text='A reasoning worker holds the agent until then.', null=True)),
                ('cycle_count', models.PositiveBigIntegerField(db_default=0, default=0)),
                ('heartbeat_at', models.DateTimeField(blank=True, help_text="The last cycle's end.", null=True)),
                ('last_error', models.TextField(blank=True, db_default='', default='')),
                ('restart_count', models.PositiveIntegerField(db_default=0, default=0)),
                ('restarted_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False)),
                ('updated_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False)),
            ],
            options={
                'ordering': ['agent_id'],
                'indexes': [models.Index(condition=models.Q(('wake_at__isnull', False)), fields=['wake_at'], name='agentruntime_due_idx')],
            },
        ),
        migrations.RunPython(backfill_runtimes, migrations.RunPython.noop),
        migrations.RunPython(permissions_forward, permissions_backward),
    ]
