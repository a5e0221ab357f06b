"""The worker, called directly (the Celery door is test_processes.py): claim, run, record, retry, event."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.agent.services.lifecycle import agent_transition
from agents.models import ActionRequest, ActionStatus, AgentEvent
from agents.reasoning.actions.policy import backoff
from agents.reasoning.actions.services import action_execute, action_record, actions_run_due
from agents.reasoning.actions.services.worker import _claim
from tests.support.actors import SYSTEM

pytestmark = pytest.mark.django_db


def results(agent):
    return list(AgentEvent.objects.filter(agent=agent, kind="action_result").order_by("id"))


def make_due(request):
    ActionRequest.objects.filter(pk=request.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def test_a_request_runs_once_and_its_result_comes_back_as_one_event(agent, intention, requested):
    request = requested("tests.echo", {"x": [1, "two"]})
    assert actions_run_due() == 1
    request.refresh_from_db()
    assert request.status == ActionStatus.SUCCEEDED and request.attempts == 1 and request.lease_until is None
    assert request.result == {"args": {"x": [1, "two"]}, "request": str(request.pk), "agent": str(agent.pk),
                              "organization": str(agent.organization_id), "attempt": 1}
    assert request.finished_at is not None and request.error == ""
    [event] = results(agent)
    assert event.intention_id == intention.pk and (event.source, event.source_name) == ("system", "actions")
    assert event.args == {"request": str(request.pk), "name": "tests.echo", "result": request.result,
                          "error": None, "message": ""}
    assert event.consumed_at is None and agent.runtime.__class__.objects.get(agent=agent).wake_at is not None
    assert actions_run_due() == 0 and len(results(agent)) == 1  # nothing due: nothing runs twice


def test_a_retryable_error_waits_with_back_off_then_succeeds(agent, requested, configure):
    configure(BACKOFF_BASE_SECONDS=60.0, BACKOFF_CAP_SECONDS=600.0)
    request = requested("tests.flaky", {"fail": 1})
    before = timezone.now()
    assert actions_run_due() == 1
    request.refresh_from_db()
    assert (request.status, request.attempts, request.error) == (ActionStatus.PENDING, 1, "flaky")
    assert "run 1 fails on purpose" in request.error_message and request.lease_until is None
    assert before + datetime.timedelta(seconds=30) <= request.next_attempt_at  # half the nominal delay at least
    assert results(agent) == [] and actions_run_due() == 0  # not due yet
    make_due(request)
    assert actions_run_due() == 1
    request.refresh_from_db()
    assert (request.status, request.attempts, request.result, request.error) == \
        (ActionStatus.SUCCEEDED, 2, {"attempt": 2}, "")
    assert request.usage == {"runs": 2}
    [event] = results(agent)
    assert event.args["result"] == {"attempt": 2} and event.args["error"] is None


def test_retries_stop_at_the_most_attempts(agent, requested, configure):
    configure(MAX_ATTEMPTS=3, BACKOFF_BASE_SECONDS=0.0)
    request = requested("tests.flaky", {"fail": 10})
    assert actions_run_due() == 3  # with no back-off each retry is due at once, and the same task takes it
    request.refresh_from_db()
    assert (request.status, request.attempts, request.error) == (ActionStatus.FAILED, 3, "flaky")
    [event] = results(agent)
    assert (event.args["result"], event.args["error"], event.args["message"]) == \
        (None, "flaky", "run 3 fails on purpose")
    make_due(request)
    assert actions_run_due() == 0


@pytest.mark.parametrize(("name", "args", "error", "message"), [
    ("tests.flaky", {"fail": 1, "permanent": True}, "flaky", "run 1 fails on purpose"),
    ("crm.unheard_of", {}, "unknown_action", "No action 'crm.unheard_of' is registered; the actions are crm.create_lead"),
    ("crm.create_lead", {"score": 5}, "bad_args", "args.name: This field is required."),
    ("crm.create_lead", {"name": "x", "score": "high"}, "bad_args", "args.score: Must be integer."),
    ("tests.flaky", {"crash": True}, "internal", "ZeroDivisionError: a bug in the action"),
])
def test_permanent_errors_fail_at_once(agent, requested, name, args, error, message):
    request = requested(name, args)
    assert actions_run_due() == 1
    request.refresh_from_db()
    assert (request.status, request.attempts, request.error) == (ActionStatus.FAILED, 1, error)
    assert request.error_message.startswith(message)
    [event] = results(agent)
    assert (event.args["error"], event.args["result"]) == (error, None)
    assert event.args["message"].startswith(message)


def test_a_stopped_agents_requests_are_not_run(agent, requested):
    request = requested("tests.echo", {})
    agent_transition(agent=agent, action="stop", by=SYSTEM)
    assert actions_run_due() == 1
    request.refresh_from_db()
    assert (request.status, request.error, request.result) == (ActionStatus.FAILED, "agent_inactive", None)


def test_a_run_whose_request_was_claimed_again_records_nothing(agent, requested):
    """A worker that outlived its lease: the request was claimed again (attempts moved on); the newer run
    records, the late one is dropped."""
    request = requested("tests.echo", {})
    claimed, more = _claim()
    assert claimed.pk == request.pk and more is False
    outcome = action_execute(claimed)
    ActionRequest.objects.filter(pk=request.pk).update(attempts=2)  # what a second claim did meanwhile
    assert action_record(claimed, outcome) is False
    request.refresh_from_db()
    assert request.status == ActionStatus.RUNNING and results(agent) == []


def test_a_run_whose_lease_was_swept_but_not_reclaimed_still_records(agent, requested):
    request = requested("tests.echo", {})
    claimed, _ = _claim()
    outcome = action_execute(claimed)
    ActionRequest.objects.filter(pk=request.pk).update(status="pending", lease_until=None)  # the sweeper's doing
    assert action_record(claimed, outcome) is True
    request.refresh_from_db()
    assert request.status == ActionStatus.SUCCEEDED and len(results(agent)) == 1


def test_the_claim_takes_the_oldest_due_request_and_says_more_are_waiting(agent, requested):
    first, second = requested("log", {}), requested("log", {})
    ActionRequest.objects.filter(pk=second.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(hours=1))
    claimed, more = _claim()
    assert claimed.pk == second.pk and more is True
    row = ActionRequest.objects.get(pk=second.pk)
    assert row.status == ActionStatus.RUNNING and row.attempts == 1 and row.lease_until > timezone.now()
    claimed, more = _claim()
    assert claimed.pk == first.pk and more is False
    assert _claim() == (None, False)


def test_running_costs_a_constant_number_of_queries_per_request(agent, requested):
    def per_request(count: int) -> int:
        for _ in range(count):
            requested("log", {"message": "hello"})
        with CaptureQueriesContext(connection) as queries:
            assert actions_run_due() == count
        return len(queries.captured_queries)

    one, two, five = per_request(1), per_request(2), per_request(5)
    each = two - one
    assert five - one == 4 * each, (one, two, five)  # the same statements for each request, whatever the count
    assert each <= 12, each  # claim (4 with BEGIN/COMMIT), record (update, event, wake; BEGIN/COMMIT)


def test_the_back_off_doubles_within_its_cap(configure):
    configure(BACKOFF_BASE_SECONDS=2.0, BACKOFF_CAP_SECONDS=10.0)
    assert [backoff(n).total_seconds() <= min(10, 2 * 2 ** (n - 1)) for n in range(1, 6)] == [True] * 5
    assert all(backoff(n).total_seconds() >= min(10, 2 * 2 ** (n - 1)) / 2 for n in range(1, 6))


@pytest.mark.parametrize(("sql", "index"), [
    ("SELECT id FROM agents_actionrequest WHERE status = 'pending' AND next_attempt_at <= now() "
     "ORDER BY next_attempt_at LIMIT 2 FOR UPDATE SKIP LOCKED", "actionrequest_due_idx"),
    ("SELECT id FROM agents_actionrequest WHERE status = 'running' AND lease_until < now() "
     "ORDER BY lease_until LIMIT 1000 FOR UPDATE SKIP LOCKED", "actionrequest_lease_idx"),
])
def test_the_claim_and_the_sweep_read_their_partial_indexes_in_order(requested, sql, index):
    """Finished requests (the history) are in neither index: the claim's cost does not grow with them."""
    requested("log", {})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan and "Sort" not in plan, plan
