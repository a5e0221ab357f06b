"""Trace retention: ``traces_prune`` deletes rows older than the retention in bounded chunks; the beat runs it hourly."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from agents.models import CycleTrace
from agents.reasoning.tasks import prune_traces
from agents.reasoning.trace.services import trace_retention, traces_prune
from config.celery import app
from config.env.schema import SCHEMA_BY_NAME
from mabos.runtime_settings import runtime_setting_clear, runtime_setting_set
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory
from tests.support.mind import CycleTraceFactory, days_ago

pytestmark = pytest.mark.django_db


def test_rows_before_the_cutoff_go_and_the_others_stay():
    agent = AgentFactory()
    old = [CycleTraceFactory(agent=agent, at=days_ago(10 + i)) for i in range(3)]
    recent = [CycleTraceFactory(agent=agent, at=days_ago(i)) for i in (0, 1, 6.9)]
    assert traces_prune() == 3  # the default retention: 7 days
    assert set(CycleTrace.objects.values_list("pk", flat=True)) == {row.pk for row in recent}
    assert not CycleTrace.objects.filter(pk__in=[row.pk for row in old]).exists()
    assert traces_prune() == 0


def test_before_says_which_rows_go():
    agent = AgentFactory()
    CycleTraceFactory(agent=agent, at=days_ago(3))
    kept = CycleTraceFactory(agent=agent, at=days_ago(1))
    assert traces_prune(before=days_ago(2)) == 1
    assert list(CycleTrace.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_backlog_goes_in_chunks_of_bounded_deletes_oldest_first():
    agent = AgentFactory()
    for i in range(10):
        CycleTraceFactory(agent=agent, at=days_ago(30 - i))
    with CaptureQueriesContext(connection) as queries:
        assert traces_prune(chunk_size=3) == 10
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 4, deletes  # 3 + 3 + 3 + 1: the last, short one says nothing is left
    assert all("LIMIT 3" in sql for sql in deletes), deletes
    assert not CycleTrace.objects.exists()

    for i in range(10):
        CycleTraceFactory(agent=agent, at=days_ago(30 - i))
    assert traces_prune(chunk_size=3, max_rows=5) == 5  # one run's bound; the next run takes the rest
    assert CycleTrace.objects.count() == 5
    assert CycleTrace.objects.order_by("at").first().at > days_ago(26), "the oldest went first"


def test_the_retention_comes_from_the_setting_and_an_administrator_may_override_it():
    assert SCHEMA_BY_NAME["REASONING_TRACE_RETENTION_DAYS"].runtime
    assert settings.REASONING["TRACE_RETENTION_DAYS"] == 7
    assert trace_retention() == datetime.timedelta(days=7)
    agent = AgentFactory()
    CycleTraceFactory(agent=agent, at=days_ago(3))
    with override_settings(REASONING={"TRACE_RETENTION_DAYS": 5}):
        assert traces_prune() == 0
    runtime_setting_set(name="REASONING_TRACE_RETENTION_DAYS", value=2, by=SYSTEM)
    try:
        assert trace_retention() == datetime.timedelta(days=2)
        assert prune_traces() == 1  # the task is the service
    finally:
        runtime_setting_clear(name="REASONING_TRACE_RETENTION_DAYS", by=SYSTEM)


def test_the_task_is_registered_and_the_beat_runs_it_hourly():
    assert "agents.prune_traces" in app.tasks
    entry = settings.CELERY_BEAT_SCHEDULE["agents-prune-traces"]
    assert entry["task"] == "agents.prune_traces" and entry["schedule"] == 3600.0


def test_the_cutoff_is_a_moment_not_a_date():
    agent = AgentFactory()
    now = timezone.now()
    CycleTraceFactory(agent=agent, at=now - datetime.timedelta(days=7, seconds=5))
    CycleTraceFactory(agent=agent, at=now - datetime.timedelta(days=7) + datetime.timedelta(minutes=5))
    assert traces_prune() == 1
