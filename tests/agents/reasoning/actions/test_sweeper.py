"""The sweeper: a request whose worker was lost runs again after its lease, or fails on its last attempt."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents.models import ActionRequest, ActionStatus, AgentEvent
from agents.reasoning.actions.services import action_leases_expire, actions_sweep
from agents.reasoning.actions.services.worker import _claim

pytestmark = pytest.mark.django_db


def lose_the_worker(request) -> None:
    """What a worker killed mid-call leaves: the request running, its lease run out."""
    claimed, _ = _claim()
    assert claimed.pk == request.pk
    ActionRequest.objects.filter(pk=request.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))


def test_an_expired_lease_goes_back_to_pending_and_runs_again(agent, requested):
    request = requested("tests.echo", {"n": 1})
    lose_the_worker(request)
    running = requested("tests.echo", {"n": 2})
    _claim()  # another worker holds this one, its lease still running
    assert actions_sweep() == {"requeued": 1, "failed": 0, "ran": 1}
    request.refresh_from_db()
    assert (request.status, request.attempts) == (ActionStatus.SUCCEEDED, 2)
    assert request.result["request"] == str(request.pk) and request.result["attempt"] == 2  # the same id
    assert ActionRequest.objects.get(pk=running.pk).status == ActionStatus.RUNNING
    assert AgentEvent.objects.filter(kind="action_result", args__request=str(request.pk)).count() == 1


def test_the_last_attempt_lost_fails_the_request(agent, intention, requested, configure):
    configure(MAX_ATTEMPTS=1)
    request = requested("tests.echo", {})
    lose_the_worker(request)
    assert action_leases_expire() == {"requeued": 0, "failed": 1}
    request.refresh_from_db()
    assert (request.status, request.error) == (ActionStatus.FAILED, "lease_expired")
    assert request.finished_at is not None
    [event] = AgentEvent.objects.filter(kind="action_result")
    assert event.intention_id == intention.pk
    assert (event.args["request"], event.args["error"], event.args["result"]) == (str(request.pk), "lease_expired", None)
    assert action_leases_expire() == {"requeued": 0, "failed": 0}


def test_a_lease_not_run_out_is_left_alone(agent, requested):
    request = requested("tests.echo", {})
    _claim()
    assert action_leases_expire() == {"requeued": 0, "failed": 0}
    assert ActionRequest.objects.get(pk=request.pk).status == ActionStatus.RUNNING
