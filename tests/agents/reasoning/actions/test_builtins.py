"""``log`` and ``notify``, run by the worker (http.post and llm.chat have test files of their own)."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.utils import timezone

from agents.models import ActionRequest, ActionStatus
from agents.reasoning.actions.services import actions_run_due
from auditlog.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_log_writes_a_line_naming_the_agent_and_request(agent, requested, caplog):
    request = requested("log", {"message": "cash checked", "level": "warning", "data": {"cash": 3}})
    with caplog.at_level(logging.INFO, logger="agents.actions.log"):
        actions_run_due()
    request.refresh_from_db()
    assert (request.status, request.result) == (ActionStatus.SUCCEEDED, {"logged": True})
    [line] = [record for record in caplog.records if record.name == "agents.actions.log"]
    assert line.levelno == logging.WARNING
    assert str(agent.pk) in line.getMessage() and str(request.pk) in line.getMessage()
    assert "cash checked {'cash': 3}" in line.getMessage()


def test_notify_records_one_audit_event_by_the_agent_however_often_it_runs(agent, requested):
    request = requested("notify", {"subject": "Runway below 3 months", "text": "Cash 10k, costs 5k/month.",
                                   "level": "warning"})
    actions_run_due()
    request.refresh_from_db()
    assert request.status == ActionStatus.SUCCEEDED
    [event] = AuditEvent.objects.filter(target_type="agents.actionrequest", target_id=str(request.pk))
    assert request.result == {"notified": True, "channel": "audit", "audit_event": event.seq}
    assert (event.action, event.actor_type, event.actor_id) == ("create", "agent", str(agent.pk))
    assert event.target_repr == "notification: Runway below 3 months"
    assert event.note == "Cash 10k, costs 5k/month."
    assert event.changes["level"] == [None, "warning"]
    assert event.changes["organization"] == [None, str(agent.organization_id)]

    # A second run of the same request (its worker lost after the call): the organization is told once.
    ActionRequest.objects.filter(pk=request.pk).update(status="pending", finished_at=None,
                                                       next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    actions_run_due()
    request.refresh_from_db()
    assert request.result["audit_event"] == event.seq
    assert AuditEvent.objects.filter(target_type="agents.actionrequest").count() == 1


def test_notify_needs_a_subject(agent, requested):
    request = requested("notify", {"text": "no subject"})
    actions_run_due()
    request.refresh_from_db()
    assert (request.status, request.error) == (ActionStatus.FAILED, "bad_args")
    assert "args.subject" in request.error_message
