"""The Celery wiring, proven with a real worker."""

from __future__ import annotations

import pytest

from config.celery import app
from mabos.tasks import ping

pytestmark = pytest.mark.processes


def test_ping_runs_on_a_real_worker(celery_worker_process):
    result = ping.delay()
    assert result.get(timeout=20) == {"pong": True}
    assert result.successful()


@pytest.mark.django_db(transaction=True)
def test_worker_queries_the_database(celery_worker_process):
    assert isinstance(ping.delay(touch_database=True).get(timeout=20)["db_backend_pid"], int)


def test_app_is_configured_for_reliable_json_tasks():
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.broker_url.startswith("redis://")
    assert conf.task_time_limit > conf.task_soft_time_limit
    assert conf.task_default_queue == "default"
