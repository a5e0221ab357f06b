"""The expiry beat task: registered, scheduled every few seconds on the reasoning queue, one service call."""

from __future__ import annotations

import pytest
from django.conf import settings

from agents.reasoning.approvals.models import ApprovalStatus
from agents.reasoning.approvals.tasks import expire_approvals
from config.celery import app
from tests.support.approvals import approval_request


def test_the_task_is_registered_and_the_beat_runs_it_every_few_seconds():
    assert "agents.expire_approvals" in app.tasks
    entry = settings.CELERY_BEAT_SCHEDULE["agents-expire-approvals"]
    assert entry["task"] == "agents.expire_approvals" and entry["schedule"] <= 10
    assert entry["options"]["queue"] == "reasoning"


@pytest.mark.django_db
def test_the_task_expires_what_is_past_its_deadline():
    late, open_ = approval_request(seconds=-1), approval_request()
    assert expire_approvals() == 1
    late.refresh_from_db()
    open_.refresh_from_db()
    assert (late.status, open_.status) == (ApprovalStatus.EXPIRED, ApprovalStatus.PENDING)
