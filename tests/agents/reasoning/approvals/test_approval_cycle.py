"""An ``ask_approval`` step through the cycle and the HTTP API: the request written with the step, the
intention waiting at the gate; approved it continues, rejected it fails (``rejected``, -!g runs), past the
deadline it fails (``approval_expired``); nothing before the gate runs again."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from agents.models import AgentEvent, Belief, GoalStatus, IntentionStatus
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from agents.reasoning.approvals.services import approvals_expire
from agents.reasoning.cycle.steps import APPROVAL_NAMESPACE
from auditlog.models import AuditEvent
from tests.support.actors import grant
from tests.support.api import client_for, create_user
from tests.support.reasoning import World, intentions_of, run_cycles, sent_by

pytestmark = pytest.mark.django_db


def _asked(world, text, *, goal="pay", slug="cfo"):
    world.plans(text)
    world.goal(slug, goal)
    run_cycles()
    [request] = ApprovalRequest.objects.filter(agent=world.agents[slug])
    return request


def _operator(world):
    person = create_user()
    grant(person, world.org, "view", "operate")
    return person


def test_an_approval_waits_then_continues_after_approval_through_the_api_binding_the_comment():
    world = World("cfo")
    request = _asked(world, '+!pay <- .ask_approval(payment, "Pay " + "the invoice?", 600, Note); +paid(Note).')
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.WAITING
    assert request.idempotency_key == f"intention:{intention.id}:1"
    assert request.pk == uuid.uuid5(APPROVAL_NAMESPACE, request.idempotency_key)
    assert intention.wait["approval"] == str(request.pk)
    assert request.question == "Pay the invoice?" and request.of == "operators"
    assert request.status == ApprovalStatus.PENDING and request.step == "body[0]"
    assert abs((request.deadline - intention.wait_until).total_seconds()) < 1e-3

    person = _operator(world)
    response = client_for(person).post(f"/api/v1/approvals/{request.pk}/approve/", {"comment": "ok, go"},
                                       format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved" and response.json()["decided_by"] == person.username
    # The decision, the event and the audit event commit together.
    event = AgentEvent.objects.get(agent=world.cfo, kind="approval")
    assert event.args == {"request": str(request.pk), "name": "payment", "decision": "approved", "note": "ok, go"}
    assert event.intention_id == intention.id
    audit = AuditEvent.objects.get(target_type="agents.approvalrequest", target_id=str(request.pk))
    assert audit.actor_id == str(person.pk) and audit.changes == {"status": ["pending", "approved"]}
    intention.refresh_from_db()
    assert intention.wait_until is None  # answered: the cycle's timeout no longer fires

    run_cycles()
    intention.refresh_from_db()
    assert intention.status == IntentionStatus.ACHIEVED
    assert Belief.objects.get(agent=world.cfo, key="paid").value == "ok, go"


def test_a_rejection_fails_the_step_with_rejected_and_the_recovery_plan_runs():
    world = World("cfo")
    request = _asked(world, """
        +!pay <- .ask_approval(payment, "Pay?"); +paid.
        -!pay <- +payment_refused.
    """)
    response = client_for(_operator(world)).post(f"/api/v1/approvals/{request.pk}/reject/",
                                                 {"comment": "too much"}, format="json")
    assert response.status_code == 200, response.content
    run_cycles()
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.FAILED
    assert intention.error["error"] == "rejected" and "too much" in intention.error["message"]
    assert intention.error["recovered"] is True
    from tests.support.reasoning import traces_of
    steps = [step for trace in traces_of(world.cfo) for step in trace.steps]
    assert any(step["kind"] == "ask_approval" and step["result"] == "failed" and "too much" in step["detail"]
               for step in steps), steps
    keys = set(Belief.objects.filter(agent=world.cfo).values_list("key", flat=True))
    assert keys == {"payment_refused"}


def test_expiry_fails_the_step_with_approval_expired_and_the_sweeper_marks_the_request_once():
    world = World("cfo")
    world.plans("""
        +!pay <- .ask_approval(payment, "Pay?", 60); +paid.
        -!pay <- +payment_expired.
    """)
    goal = world.goal("cfo", "pay")
    run_cycles()
    [request] = ApprovalRequest.objects.filter(agent=world.cfo)
    past = timezone.now() - datetime.timedelta(seconds=1)
    ApprovalRequest.objects.filter(pk=request.pk).update(deadline=past)
    [intention] = intentions_of(world.cfo)
    type(intention).objects.filter(pk=intention.pk).update(wait_until=past)
    from agents.models import AgentRuntime
    AgentRuntime.objects.filter(agent=world.cfo).update(wake_at=past)

    # Past the deadline nobody may decide: 409, nothing written.
    response = client_for(_operator(world)).post(f"/api/v1/approvals/{request.pk}/approve/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "approval_expired"
    run_cycles()  # the cycle owns the step: it fails at the deadline, sweeper or not
    intention.refresh_from_db()
    goal.refresh_from_db()
    assert intention.status == IntentionStatus.FAILED and intention.error["error"] == "approval_expired"
    assert Belief.objects.filter(agent=world.cfo, key="payment_expired").exists()
    assert goal.status == GoalStatus.FAILED

    assert approvals_expire() == 1  # the sweeper owns the row: expired, audited, the agent told
    assert approvals_expire() == 0
    request.refresh_from_db()
    assert request.status == ApprovalStatus.EXPIRED and request.decided_at is not None
    assert AuditEvent.objects.filter(target_id=str(request.pk), changes__status=["pending", "expired"]).count() == 1
    run_cycles()  # its event resumes nothing: the step failed once
    intention.refresh_from_db()
    assert intention.error["error"] == "approval_expired"
    assert Belief.objects.filter(agent=world.cfo).count() == 1


def test_the_sweeper_first_then_the_cycle_fails_the_step_once():
    world = World("cfo")
    request = _asked(world, '+!pay <- .ask_approval(payment, "Pay?", 60); +paid. -!pay <- +expired.')
    ApprovalRequest.objects.filter(pk=request.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    assert approvals_expire() == 1
    run_cycles()
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.FAILED and intention.error["error"] == "approval_expired"
    assert set(Belief.objects.filter(agent=world.cfo).values_list("key", flat=True)) == {"expired"}


def test_nothing_before_the_gate_runs_again_even_when_a_batch_is_replayed(monkeypatch):
    world = World("cfo", "bank")
    request = _asked(world, """
        +!pay <- .send(bank, inform, "before"); .ask_approval(payment, "Pay?"); .send(bank, inform, "after").
    """)
    assert [m.content for m in sent_by(world.cfo)] == ["before"]
    person = _operator(world)
    assert client_for(person).post(f"/api/v1/approvals/{request.pk}/approve/", {}, format="json").status_code == 200

    # The batch after the decision crashes before it commits: it is rolled back and runs again.
    from agents.reasoning.cycle import writes
    real, calls = writes._traces, []

    def crash_once(minds, now):
        real(minds, now)
        if not calls:
            calls.append(1)
            raise RuntimeError("the worker died mid-batch")

    monkeypatch.setattr(writes, "_traces", crash_once)
    with pytest.raises(RuntimeError):
        run_cycles()
    monkeypatch.setattr(writes, "_traces", real)
    run_cycles()
    assert [m.content for m in sent_by(world.cfo)] == ["before", "after"]
    assert ApprovalRequest.objects.filter(agent=world.cfo).count() == 1
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.ACHIEVED


def _crash_first_batch(monkeypatch):
    from agents.reasoning.cycle import writes
    real, calls = writes._traces, []

    def crash_once(minds, now):
        real(minds, now)
        if not calls:
            calls.append(1)
            raise RuntimeError("the worker died mid-batch")

    monkeypatch.setattr(writes, "_traces", crash_once)
    return lambda: monkeypatch.setattr(writes, "_traces", real)


def test_a_replayed_batch_that_asked_writes_one_request_with_the_same_id(monkeypatch):
    world = World("cfo", "bank")
    world.plans('+!pay <- .send(bank, inform, "before"); .ask_approval(payment, "Pay?"); +paid.')
    world.goal("cfo", "pay")
    from tests.support.reasoning import step_cycles
    step_cycles(1)  # the goal is taken and the send runs; the next batch asks
    assert [m.content for m in sent_by(world.cfo)] == ["before"]
    restore = _crash_first_batch(monkeypatch)
    with pytest.raises(RuntimeError):
        step_cycles(1)
    assert not ApprovalRequest.objects.exists()  # rolled back with the step
    restore()
    run_cycles()
    [request] = ApprovalRequest.objects.filter(agent=world.cfo)
    [intention] = intentions_of(world.cfo)
    assert intention.wait["approval"] == str(request.pk) == str(uuid.uuid5(APPROVAL_NAMESPACE, request.idempotency_key))
    assert [m.content for m in sent_by(world.cfo)] == ["before"]


def test_a_decision_just_before_the_deadline_stands_even_if_the_agent_reasons_after_it():
    world = World("cfo")
    request = _asked(world, '+!pay <- .ask_approval(payment, "Pay?", 60); +paid.')
    assert client_for(_operator(world)).post(f"/api/v1/approvals/{request.pk}/approve/", {},
                                             format="json").status_code == 200
    past = timezone.now() - datetime.timedelta(seconds=1)
    ApprovalRequest.objects.filter(pk=request.pk).update(deadline=past)  # the cycle runs only after it
    assert approvals_expire() == 0  # decided: nothing to expire
    run_cycles()
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.ACHIEVED
    assert Belief.objects.filter(agent=world.cfo, key="paid").exists()


def test_the_decision_locks_runtime_request_intention_then_the_audit_chain():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agents.reasoning.approvals.services import approval_decide

    world = World("cfo")
    request = _asked(world, '+!pay <- .ask_approval(payment, "Pay?"); +paid.')
    person = _operator(world)
    with CaptureQueriesContext(connection) as queries:
        approval_decide(request=request, by=person, decision="approved", comment="")
    sql = [q["sql"] for q in queries.captured_queries]

    def first(predicate) -> int:
        return next(i for i, text in enumerate(sql) if predicate(text))

    runtime = first(lambda s: "agents_agentruntime" in s and "FOR UPDATE" in s)
    locked = first(lambda s: 'FROM "agents_approvalrequest"' in s and "FOR UPDATE" in s)
    intention = first(lambda s: s.startswith('UPDATE "agents_intention"'))
    event = first(lambda s: "agents_agentevent" in s)
    audit = first(lambda s: "auditlog_auditevent" in s or "advisory" in s)
    assert runtime < locked < intention < event < audit, sql
