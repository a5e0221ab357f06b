"""The batch: a constant number of queries, one agent claimed by one worker, errors kept to their agent,
paused agents skipped and woken again on resume."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.agent.services.lifecycle import agent_pause, agent_resume
from agents.models import AgentRuntime, Belief, CycleTrace, Goal, GoalStatus
from agents.reasoning.cycle import steps
from agents.reasoning.cycle.batch import claim, reason_batch
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory
from tests.support.reasoning import World, run_cycles

PLANS = """
@a +!work(N) : N > 0 <- +done(N); .send(boss, inform, {"n": N}).
@b +!work(N) <- +skipped.
"""


def _world(agents: int) -> World:
    world = World("boss")
    world.plans(PLANS)
    for index in range(agents):
        agent = AgentFactory(organization=world.org, role=world.boss.role, slug=f"w{index}")
        world.agents[agent.slug] = agent
    return world


def _batch_queries(agents: int) -> int:
    world = _world(agents)
    for index in range(agents):
        world.goal(f"w{index}", "work", 1)
    with CaptureQueriesContext(connection) as queries:
        assert reason_batch(limit=1000) == agents
    run_cycles()  # to rest: their own belief events keep them due for a while
    return len(queries)


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_2_and_for_40_agents():
    small = _batch_queries(2)
    assert _batch_queries(40) == small


@pytest.mark.django_db
def test_the_batch_writes_every_cycled_agents_heartbeat_in_its_one_runtime_update():
    """Supervision reads an internal agent's heartbeat from its runtime row (docs/supervision.md): the batch's
    single runtime UPDATE writes it for all its agents, never a statement or a transaction per agent."""
    world = _world(5)
    for index in range(5):
        world.goal(f"w{index}", "work", 1)
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        assert reason_batch(limit=1000) == 5
    updates = [q["sql"] for q in queries.captured_queries
               if q["sql"].lstrip().startswith("UPDATE") and "agentruntime" in q["sql"]]
    assert len(updates) == 1
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "agents_agent" ')]
    beats = AgentRuntime.objects.filter(agent__slug__in=[f"w{i}" for i in range(5)]).values_list("heartbeat_at",
                                                                                                 flat=True)
    assert len(beats) == 5 and all(beat is not None and beat >= before for beat in beats)


@pytest.mark.django_db
def test_a_python_error_in_one_agents_step_fails_only_that_intention(monkeypatch):
    world = _world(2)
    original = steps.KINDS["add_belief"]

    def broken(cycle, intention, frame, candidate, step):
        if cycle.mind.agent.slug == "w0":
            raise RuntimeError("a bug")
        return original(cycle, intention, frame, candidate, step)

    monkeypatch.setitem(steps.KINDS, "add_belief", broken)
    goals = [world.goal(f"w{index}", "work", 1) for index in range(2)]
    run_cycles()
    for goal in goals:
        goal.refresh_from_db()
    assert [g.status for g in goals] == [GoalStatus.FAILED, GoalStatus.ACHIEVED]
    assert not Belief.objects.filter(agent=world.w0, key="done").exists()
    assert Belief.objects.get(agent=world.w1, key="done").value == 1
    assert "RuntimeError" in AgentRuntime.objects.get(agent=world.w0).last_error
    failed = [s for t in CycleTrace.objects.filter(agent=world.w0) for s in t.steps if s.get("result") == "failed"]
    assert failed and failed[0]["detail"] == "internal error"


@pytest.mark.django_db
def test_a_paused_agent_is_skipped_and_resuming_wakes_it(django_capture_on_commit_callbacks):
    world = _world(1)
    agent_pause(agent=world.w0, by=SYSTEM)
    goal = world.goal("w0", "work", 1)
    assert reason_batch(limit=10) == 0  # claimed, not active: made idle
    assert AgentRuntime.objects.get(agent=world.w0).wake_at is None
    with django_capture_on_commit_callbacks(execute=True):
        agent_resume(agent=world.w0, by=SYSTEM)
    assert AgentRuntime.objects.get(agent=world.w0).wake_at is not None
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_agent(monkeypatch):
    # No wake-up published: the suite's Celery worker (if one runs) must not claim these agents meanwhile.
    monkeypatch.setattr("agents.reasoning.runtime.wakeup._enabled", [False])
    world = _world(30)
    AgentRuntime.objects.filter(agent__organization=world.org).exclude(agent=world.boss).update(
        wake_at=timezone.now() - datetime.timedelta(seconds=1))
    claimed: list[list] = [[], []]
    inside, release = threading.Barrier(2), threading.Event()

    def worker(slot: int) -> None:
        try:
            with transaction.atomic():
                claimed[slot] = claim(20)
                inside.wait(timeout=10)
                release.wait(timeout=10)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(timeout=20)
    first, second = set(claimed[0]), set(claimed[1])
    assert first and second and not first & second
    assert len(first | second) == 30


@pytest.mark.django_db
def test_a_subgoal_failure_recovered_lets_the_parent_go_on():
    world = World("cfo")
    world.plans("""
        +!close_month <- !pay_bills; +month_closed.
        +!pay_bills <- belief("cash", 0) > 100; +paid.
        -!pay_bills <- +bills_postponed.
    """)
    goal = world.goal("cfo", "close_month")
    run_cycles()
    beliefs = dict(Belief.objects.filter(agent=world.cfo).values_list("key", "value"))
    assert beliefs == {"bills_postponed": True, "month_closed": True}
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    assert Goal.objects.get(agent=world.cfo, name="pay_bills").status == GoalStatus.FAILED


@pytest.mark.parametrize(("model", "columns"), [("AgentEvent", "EVENT_COLUMNS"), ("Intention", "INTENTION_COLUMNS"),
                                                ("CycleTrace", "TRACE_COLUMNS")])
def test_the_copy_columns_cover_every_column_but_a_generated_id(model, columns):
    """A new column cannot be left out of the cycle's COPY inserts unnoticed."""
    from agents import models
    from agents.reasoning.cycle import writes

    fields = {f.column for f in getattr(models, model)._meta.concrete_fields}
    generated = {"id"} if model != "Intention" else set()
    assert set(getattr(writes, columns)) == fields - generated
