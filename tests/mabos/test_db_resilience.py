"""A database connection killed under a running process costs at most the request in flight."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.db import connection

from mabos.tasks import ping
from tests.support.health import token_http_headers
from tests.support.polling import wait_until
from tests.support.processes import start_gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


def terminate_backends(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()", [application_name])
        return cursor.fetchone()[0]


def web_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mabos-web'")
        return cursor.fetchone()[0]


def get_ready(base: str) -> tuple[int, dict]:
    try:
        request = urllib.request.Request(f"{base}/health/ready/", headers=token_http_headers())
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_web_pool_recovers_from_killed_connections(tmp_path):
    # psycopg_pool backs off about 1 s after each failed check while it replaces
    # dead connections, so allow the readiness check that long (docs/architecture.md).
    server, base = start_gunicorn(tmp_path, DB_POOL_MIN_SIZE="2", DB_POOL_MAX_SIZE="4", HEALTH_CHECK_TIMEOUT="8")
    try:
        assert get_ready(base)[0] == 200
        killed = terminate_backends("mabos-web")
        assert killed >= 1, "the pool should hold at least one open connection"
        # No request was in flight, so none may fail: the pool checks before lending.
        wait_until(lambda: web_backends() == 0, timeout=10, message="killed backends gone")
        for _ in range(5):
            status, body = get_ready(base)
            assert status == 200, body
            assert body["checks"]["database"]["status"] == "ok"
        assert server.alive()
    finally:
        server.stop()


def test_worker_keeps_a_persistent_connection_and_reconnects_after_it_is_killed(celery_worker_process):
    first = ping.delay(touch_database=True).get(timeout=20)["db_backend_pid"]
    second = ping.delay(touch_database=True).get(timeout=20)["db_backend_pid"]
    assert first == second, "a worker child reuses its persistent connection between tasks"

    assert terminate_backends("mabos-worker") >= 1
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(ping.delay(touch_database=True).get(timeout=20)["db_backend_pid"])
        except Exception as exc:  # the task in flight may fail; the next ones must not
            outcomes.append(exc)
    assert all(isinstance(pid, int) for pid in outcomes[1:]), outcomes
    assert outcomes[-1] != first
    assert celery_worker_process.alive()
