"""The runtime row: one per internal agent, made due by every event in the event's own transaction.

Created with the agent (services, onboarding), dropped when it becomes external; ``wake_at`` set by the
poster's transaction (rolled back with it), kept at its earliest time; the reasoning wake-up published after
commit only once the cycle has enabled it; the integrity checks that watch all of it.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agents.agent.services.agents import agent_create, agent_update
from agents.models import AgentEvent, AgentKind, AgentRuntime
from agents.onboarding.services import organization_onboard
from agents.reasoning.events.services import NewEvent, agent_events_post
from agents.reasoning.runtime import wakeup
from agents.reasoning.runtime.services import runtime_wake
from agents.reasoning.services.goals import goal_create
from mabos.integrity import run_integrity_checks
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, AgentRoleFactory

pytestmark = pytest.mark.django_db


def runtime_of(agent) -> AgentRuntime | None:
    return AgentRuntime.objects.filter(agent=agent).first()


def violations() -> set[str]:
    return {v.check.name for v in run_integrity_checks()}


def test_an_internal_agent_is_created_with_its_runtime_row_and_an_external_one_without(org):
    role = AgentRoleFactory(organization=org)
    internal = agent_create(organization=org, role=role, name="Thinker", by=SYSTEM)
    external = agent_create(organization=org, role=role, name="Caller", kind=AgentKind.EXTERNAL, by=SYSTEM)
    runtime = runtime_of(internal)
    assert runtime is not None and runtime.wake_at is None and runtime.cycle_count == 0
    assert runtime.created_at is not None and runtime.last_error == "" and runtime.restart_count == 0
    assert runtime_of(external) is None


def test_changing_the_kind_drops_or_restores_the_runtime_row(org):
    role = AgentRoleFactory(organization=org)
    agent = agent_create(organization=org, role=role, name="Shifter", by=SYSTEM)
    goal_create(agent=agent, name="Pending while away", by=SYSTEM)
    agent = agent_update(agent=agent, by=SYSTEM, expected_version=agent.version, kind=AgentKind.EXTERNAL)
    assert runtime_of(agent) is None and AgentEvent.objects.filter(agent=agent).count() == 1
    agent = agent_update(agent=agent, by=SYSTEM, expected_version=agent.version, kind=AgentKind.INTERNAL)
    assert runtime_of(agent).wake_at is not None  # its waiting event makes it due at once
    assert not {n for n in violations() if n.startswith("agents.")}


def test_onboarding_gives_every_agent_its_runtime_and_its_goals_as_events(operator):
    org = organization_onboard(name="Corner Bakery", industry="food", description="Bread.", size="small",
                               roles=["ceo", "cfo"], by=operator)
    for agent in org.agents.all():
        assert runtime_of(agent).wake_at is not None
        adopted = AgentEvent.objects.filter(agent=agent, kind="goal_added")
        assert adopted.count() == agent.goals.count() >= 2
        assert AgentEvent.objects.filter(agent=agent, kind="belief_added").count() == agent.beliefs.count()
    assert not {n for n in violations() if n.startswith("agents.")}


def test_the_wake_is_part_of_the_posters_transaction(agent):
    with transaction.atomic():
        goal_create(agent=agent, name="Never", by=SYSTEM)
        assert runtime_of(agent).wake_at is not None  # set by the same transaction, before its commit
        transaction.set_rollback(True)
    assert runtime_of(agent).wake_at is None and not AgentEvent.objects.filter(agent=agent).exists()


def test_a_due_agent_keeps_its_earlier_time_and_a_later_one_is_brought_forward(org):
    early, late, idle = (AgentFactory(organization=org) for _ in range(3))
    past = timezone.now() - datetime.timedelta(minutes=5)
    future = timezone.now() + datetime.timedelta(hours=1)
    AgentRuntime.objects.filter(agent=early).update(wake_at=past)
    AgentRuntime.objects.filter(agent=late).update(wake_at=future)
    with transaction.atomic():
        assert runtime_wake(agent_ids=[early.pk, late.pk, idle.pk, early.pk]) == 3
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            now = cursor.fetchone()[0]
    assert runtime_of(early).wake_at == past  # not pushed back in the claim's order
    assert runtime_of(late).wake_at == now and runtime_of(idle).wake_at == now  # the database's clock


def test_a_wake_at_a_time_and_a_missing_row_made_good(org):
    agent = AgentFactory(organization=org, runtime=False)
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    at = timezone.now() + datetime.timedelta(minutes=10)
    assert runtime_wake(agent_ids=[agent.pk, external.pk], at=at) == 1
    assert runtime_of(agent).wake_at == at and runtime_of(external) is None


def test_the_due_runtimes_are_found_through_the_partial_index(org):
    """The cycle's claim: due runtimes, oldest first, SKIP LOCKED; an index scan of agentruntime_due_idx."""
    for agent in [AgentFactory(organization=org) for _ in range(3)]:
        runtime_wake(agent_ids=[agent.pk])
    with transaction.atomic(), connection.cursor() as cursor:
        # A test table is tiny: take its size out of the plan. With sorting off too, the plan shows the index
        # gives the rows in due order by itself.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN SELECT agent_id FROM agents_agentruntime WHERE wake_at <= now() "
                       "ORDER BY wake_at LIMIT 100 FOR UPDATE SKIP LOCKED")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "agentruntime_due_idx" in plan and "Sort" not in plan


def test_an_agents_pending_events_are_found_through_the_partial_index(agent):
    agent_events_post(events=[NewEvent(agent=agent, kind="timer")] * 502, by=SYSTEM)
    pending = AgentEvent.objects.filter(agent=agent, consumed_at__isnull=True).order_by("id")
    AgentEvent.objects.filter(pk__in=pending.values("pk")[:500]).update(consumed_at=timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        # The shared table's statistics and dead index entries depend on every earlier test, and so does the
        # planner's choice. A copy of the table with the same indexes, holding only this agent's rows (most of
        # them consumed), asks the one question that matters: does the index serve this query by itself?
        cursor.execute("CREATE TEMP TABLE pending_probe (LIKE agents_agentevent INCLUDING INDEXES) ON COMMIT DROP")
        cursor.execute("INSERT INTO pending_probe SELECT * FROM agents_agentevent WHERE agent_id = %s",
                       [str(agent.pk)])
        cursor.execute("ANALYZE pending_probe")
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'pending_probe' "
                       "AND indexdef LIKE %s", ["%(agent_id, id) WHERE (consumed_at IS NULL)%"])
        [(partial,)] = cursor.fetchall()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN SELECT id FROM pending_probe WHERE agent_id = %s AND consumed_at IS NULL "
                       "ORDER BY id", [str(agent.pk)])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"using {partial} " in plan and "Sort" not in plan, plan


class _Published:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, *, task: str, queue: str, key: str) -> bool:
        self.calls.append({"task": task, "queue": queue, "key": key})
        return True


def test_the_reasoning_wake_up_publishes_after_commit_and_not_after_a_rollback(agent, monkeypatch,
                                                                                 django_capture_on_commit_callbacks):
    """The cycle enabled it (AgentsConfig.ready); turned off, nothing is published."""
    published = _Published()
    monkeypatch.setattr(wakeup, "publish_coalesced", published)
    assert wakeup.reasoning_wakeup_enabled()
    with django_capture_on_commit_callbacks(execute=True):
        goal_create(agent=agent, name="Heard", by=SYSTEM)
    assert published.calls == [{"task": "agents.reason_due", "queue": "reasoning",
                                "key": "mabos:reasoning:wakeup-pending"}]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        goal_create(agent=agent, name="Rolled back", by=SYSTEM)
        transaction.set_rollback(True)
    assert len(published.calls) == 1  # nothing after a rollback
    monkeypatch.setattr(wakeup, "_enabled", [False])
    with django_capture_on_commit_callbacks(execute=True):
        goal_create(agent=agent, name="Quiet", by=SYSTEM)
    assert len(published.calls) == 1


def test_the_reasoning_wake_up_task_is_registered():
    """A worker knows the task the wake-up publishes (the cycle's), so no "unregistered task" errors."""
    from config.celery import app

    app.loader.import_default_modules()
    assert wakeup.REASON_TASK in app.tasks and "agents.sweep_reasoning" in app.tasks


def test_integrity_checks_find_missing_and_stray_runtimes_and_misplaced_message_events(org):
    from agents.messaging.services.delivery import delivery_dispatch_due
    from tests.support.messaging import send

    alice, bob = AgentFactory(organization=org), AgentFactory(organization=org)
    send(alice, to=[bob.pk])
    delivery_dispatch_due()
    assert not {n for n in violations() if n.startswith("agents.")}
    AgentFactory(organization=org, runtime=False)
    stray = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    AgentRuntime.objects.create(agent=stray)
    AgentEvent.objects.filter(agent=bob, kind="message").update(agent=alice)
    assert {"agents.internal_agent_has_runtime", "agents.external_agent_has_no_runtime",
            "agents.message_event_same_agent"} <= violations()
