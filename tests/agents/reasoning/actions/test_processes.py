"""At least once, with real processes: the Celery worker runs what the wake-up announces, and a worker killed
mid-call is followed by a run with the same idempotency key once its lease runs out."""

from __future__ import annotations

import signal
import sys

import pytest
from django.db import transaction
from django.utils import timezone

from agents.models import ActionRequest, ActionStatus, AgentEvent, Intention
from agents.reasoning.actions.services import (
    NewActionRequest,
    action_leases_expire,
    action_requests_insert,
    actions_run_due,
)
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.fake_http import Canned, FakeServer
from tests.support.polling import wait_until
from tests.support.processes import Process, process_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


@pytest.fixture
def waiting():
    agent = AgentFactory(organization=OrganizationFactory())
    now = timezone.now()
    return Intention.objects.create(agent=agent, status="waiting", trigger_kind="goal_added", trigger_name="sell",
                                    created_at=now, updated_at=now)


def test_the_worker_runs_what_the_cycle_committed_and_a_replay_adds_nothing(celery_worker_process, waiting):
    batch = [NewActionRequest(agent=waiting.agent, name="crm.create_lead", idempotency_key=f"{waiting.pk}:{step}",
                              args={"name": f"lead {step}"}, intention=waiting) for step in range(3)]
    with transaction.atomic():  # the cycle's transaction; the wake-up goes after its commit
        assert action_requests_insert(requests=batch) == 3
    wait_until(lambda: ActionRequest.objects.filter(status=ActionStatus.SUCCEEDED).count() == 3, timeout=30,
               message="the worker ran the three requests")
    with transaction.atomic():  # the same cycle replayed after a crash
        assert action_requests_insert(requests=batch) == 0
    events = list(AgentEvent.objects.filter(kind="action_result").order_by("id"))
    assert len(events) == 3 and {event.intention_id for event in events} == {waiting.pk}
    assert sorted(event.args["result"]["lead"] for event in events) == ["lead-lead 0", "lead-lead 1", "lead-lead 2"]
    assert {event.args["request"] for event in events} == {str(pk) for pk in ActionRequest.objects.values_list("pk",
                                                                                                         flat=True)}
    assert celery_worker_process.alive()


def test_a_worker_killed_after_the_call_is_followed_by_the_same_call(waiting, settings, tmp_path):
    with FakeServer() as receiver:
        receiver.reply(Canned(body={"first": True}, hold=True), Canned(body={"second": True}))
        request = ActionRequest.objects.create(agent=waiting.agent, intention=waiting, idempotency_key="kill-me",
                                               name="http.post", args={"url": receiver.url(), "body": {"n": 1}})
        worker = Process(
            [sys.executable, "manage.py", "shell", "-c",
             "from agents.reasoning.actions.services import actions_run_due; actions_run_due(limit=1)"],
            process_env(ACTIONS_HTTP_ALLOWED_HOSTS=receiver.host, ACTIONS_LEASE_SECONDS="3",
                        ACTIONS_HTTP_TIMEOUT_SECONDS="1", ACTIONS_LLM_TIMEOUT_SECONDS="1",
                        MABOS_PROCESS_ROLE="worker"),
            tmp_path / "killed.log").start()
        try:
            wait_until(lambda: receiver.arrived.is_set(), timeout=30,
                       message=f"the call reached the third party:\n{worker.output()}")
        finally:
            worker.stop(signal.SIGKILL)  # after the call, before its outcome was recorded
        row = ActionRequest.objects.get(pk=request.pk)
        assert (row.status, row.attempts, row.result) == (ActionStatus.RUNNING, 1, None)
        assert not AgentEvent.objects.filter(kind="action_result").exists()

        # The sweeper finds the lease run out (polled: no sleeping), and the next run sends the same key.
        wait_until(lambda: action_leases_expire()["requeued"] == 1, timeout=15, interval=0.2,
                   message="the lease ran out and the request went back to pending")
        settings.ACTIONS = {**settings.ACTIONS, "HTTP_ALLOWED_HOSTS": [receiver.host]}
        receiver.release()
        assert actions_run_due() == 1
        row.refresh_from_db()
        assert (row.status, row.attempts, row.result["body"]) == (ActionStatus.SUCCEEDED, 2, {"second": True})
        assert [seen.headers["Idempotency-Key"] for seen in receiver.requests] == [str(request.pk)] * 2
        [event] = AgentEvent.objects.filter(kind="action_result")
        assert event.intention_id == waiting.pk and event.args["request"] == str(request.pk)
