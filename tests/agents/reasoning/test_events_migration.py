"""Migration 0008_agent_events on data: inbox events become message events, internal agents get their runtimes.

Rows are made with the models as they were at 0007 (the historical models), the migration runs forward, and
the rows are read with the models of 0008; then it runs back, and forward to the newest state again.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("agents", "0007_delivery_seq")]
AFTER = [("agents", "0008_agent_events")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_inbox_events_become_message_events_and_internal_agents_get_their_runtimes():
    try:
        old = migrate(BEFORE)
        org = old.get_model("agents", "Organization").objects.create(name="Old Shop", slug="old-shop",
                                                                      description="Before events.")
        role = old.get_model("agents", "AgentRole").objects.create(organization=org, name="Clerk", slug="clerk")
        agent_model = old.get_model("agents", "Agent")
        sender = agent_model.objects.create(organization=org, role=role, name="Sender", slug="sender")
        busy = agent_model.objects.create(organization=org, role=role, name="Busy", slug="busy")
        idle = agent_model.objects.create(organization=org, role=role, name="Idle", slug="idle")
        outside = agent_model.objects.create(organization=org, role=role, name="Out", slug="out", kind="external")
        now = timezone.now()
        message = old.get_model("agents", "Message").objects.create(
            organization=org, sender_agent=sender, performative="inform", content={"n": 1}, created_at=now,
            conversation_id=uuid.uuid4(), recipient_count=2)
        delivery_model = old.get_model("agents", "Delivery")
        deliveries = [delivery_model.objects.create(message=message, recipient=recipient, status="acked",
                                                    conversation_id=message.conversation_id, sent_at=now,
                                                    next_attempt_at=now, updated_at=now)
                      for recipient in (busy, idle)]
        inbox = old.get_model("agents", "InboxEvent")
        waiting = inbox.objects.create(agent=busy, delivery=deliveries[0], message=message, created_at=now)
        inbox.objects.create(agent=idle, delivery=deliveries[1], message=message, created_at=now, consumed_at=now)

        new = migrate(AFTER)
        events = new.get_model("agents", "AgentEvent").objects.order_by("id")
        assert [(e.pk, e.agent_id, e.kind, e.source, e.args, e.delivery_id, e.message_id, e.consumed_at is None)
                for e in events] == [
            (waiting.pk, busy.pk, "message", "message", {}, deliveries[0].pk, message.pk, True),
            (waiting.pk + 1, idle.pk, "message", "message", {}, deliveries[1].pk, message.pk, False)]
        runtimes = {r.agent_id: r for r in new.get_model("agents", "AgentRuntime").objects.all()}
        assert set(runtimes) == {sender.pk, busy.pk, idle.pk}  # every internal agent, no external one
        assert runtimes[busy.pk].wake_at is not None  # its waiting event makes it due at once
        assert runtimes[idle.pk].wake_at is None and runtimes[sender.pk].wake_at is None
        assert runtimes[busy.pk].cycle_count == 0 and runtimes[busy.pk].created_at is not None
        assert outside.pk not in runtimes
        # The model's permissions follow its new name (back at 0007 they were *_inboxevent), none left behind.
        permissions = new.get_model("auth", "Permission").objects.filter(content_type__app_label="agents")
        assert {"view_agentevent", "change_agentevent"} <= set(permissions.values_list("codename", flat=True))
        assert not permissions.filter(codename__endswith="_inboxevent").exists()
        assert permissions.get(codename="view_agentevent").name == "Can view agent event"

        # Back again: the events the inbox could not hold are dropped, the message events are inbox events.
        new.get_model("agents", "AgentEvent").objects.create(agent_id=busy.pk, kind="goal_added", source="system",
                                                             args={"goal": "x"}, created_at=now)
        old = migrate(BEFORE)
        assert sorted(old.get_model("agents", "InboxEvent").objects.values_list("delivery_id", flat=True)) == sorted(
            d.pk for d in deliveries)
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('agents_agentruntime'), to_regclass('inboxevent_unconsumed_idx')")
            assert cursor.fetchone() == (None, "inboxevent_unconsumed_idx")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
