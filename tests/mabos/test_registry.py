"""The service registry: every component declared once, checked concurrently, visible to the right people."""

from __future__ import annotations

import io
import socket
import threading
import time

import pytest
from django.core.management import call_command

from mabos import components
from mabos.components import Component, component_get, registered_components
from mabos.health.registry import run_health_checks
from mabos.heartbeats import heartbeat_write, heartbeats_alive
from tests.support.api import create_user
from tests.support.health import pretend_workers_and_beat_alive, ready_detail, token_headers
from tests.support.polling import wait_until
from tests.support.processes import BIN, Process, RedisServer, process_env, start_worker

pytestmark = pytest.mark.django_db

PLATFORM = {"database", "cache", "broker", "workers", "beat", "audit_chain", "circuit_breakers"}


def test_every_platform_component_declares_itself_with_metrics():
    declared = {c.name: c for c in registered_components()}
    assert set(declared) >= PLATFORM
    # Only the database takes a web node out of the load balancer (docs/operations.md).
    assert [name for name, item in declared.items() if item.critical] == ["database"]
    assert not declared["workers"].critical and not declared["beat"].critical
    assert not declared["audit_chain"].critical
    for name in PLATFORM:
        assert declared[name].metrics, f"{name} exports no metrics"
        assert declared[name].description, f"{name} has no description"


def test_each_check_is_bounded_by_its_own_timeout():
    release = threading.Event()
    hung = Component("hung", lambda: release.wait(10), timeout=0.3)
    quick = Component("quick", lambda: "fine", timeout=5)
    started = time.monotonic()
    try:
        results = {r.name: r for r in run_health_checks([hung, quick])}
    finally:
        release.set()
    assert time.monotonic() - started < 2
    assert results["hung"].ok is False and results["hung"].error == "timed out after 0.3s"
    assert results["quick"].ok is True and results["quick"].note == "fine"


def test_checks_run_concurrently():
    def slow() -> None:
        time.sleep(0.4)

    started = time.monotonic()
    results = run_health_checks([Component(f"slow{i}", slow, timeout=2) for i in range(5)])
    assert all(r.ok for r in results)
    assert time.monotonic() - started < 1.5  # five 0.4 s checks, run one after the other, would take 2 s


def test_last_error_is_remembered_after_recovery():
    state = {"broken": True}

    def flaky() -> None:
        if state["broken"]:
            raise ConnectionError("refused")

    check = Component("flaky-remembered", flaky, timeout=1)
    assert run_health_checks([check])[0].error == "ConnectionError: refused"
    state["broken"] = False
    result = run_health_checks([check])[0]
    assert result.ok and result.last_error == "ConnectionError: refused" and result.last_error_at
    assert result.as_dict()["last_error"] == "ConnectionError: refused"


def test_anonymous_callers_get_the_status_code_and_one_word(client):
    pretend_workers_and_beat_alive()
    for headers in ({}, {"HTTP_X_HEALTH_TOKEN": "wrong"}, {"HTTP_X_HEALTH_TOKEN": "é" * 40}):
        response = client.get("/health/ready/", **headers)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
    client.force_login(create_user(is_staff=False))
    assert client.get("/health/ready/").json() == {"status": "ok"}


def test_staff_and_the_token_see_every_component(client):
    pretend_workers_and_beat_alive()
    status, body = ready_detail(client)
    assert status == 200 and set(body["checks"]) >= PLATFORM
    client.force_login(create_user(is_staff=True))
    body = client.get("/health/ready/").json()
    assert set(body["checks"]) >= PLATFORM
    assert "test-worker@here" in body["checks"]["workers"]["note"]


def test_a_critical_failure_is_503_for_everyone_but_named_only_for_the_token(client, monkeypatch):
    def down() -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setitem(components._COMPONENTS, "payments", Component("payments", down, critical=True))
    anonymous = client.get("/health/ready/")
    assert anonymous.status_code == 503 and anonymous.json() == {"status": "fail"}
    detailed = client.get("/health/ready/", **token_headers())
    assert detailed.status_code == 503
    assert "payments" in detailed.json()["failing"]
    assert detailed.json()["checks"]["payments"]["error"] == "ConnectionError: connection refused"


@pytest.fixture
def empty_cache(private_redis, settings):
    """A cache no running worker writes to: no heartbeat but the ones a test writes."""
    from django.core.cache import caches

    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    caches["default"].close()
    yield private_redis
    caches["default"].close()


def test_missing_heartbeats_degrade_readiness_naming_workers_and_beat(client, empty_cache):
    status, body = ready_detail(client)
    assert status == 200 and body["status"] == "degraded"
    assert {"workers", "beat"} <= set(body["failing"])
    assert "no worker heartbeat" in body["checks"]["workers"]["error"]


def test_an_expired_heartbeat_no_longer_counts(settings):
    settings.HEARTBEAT_INTERVAL = 0.2  # ttl 0.6 s
    heartbeat_write(role="worker", identity="short-lived@here")
    assert "short-lived@here" in heartbeats_alive("worker")
    wait_until(lambda: "short-lived@here" not in heartbeats_alive("worker"), timeout=5,
               message="heartbeat expired")


def test_mabos_status_prints_a_table_and_fails_on_a_critical_component(monkeypatch):
    pretend_workers_and_beat_alive()
    out = io.StringIO()
    call_command("mabos_status", stdout=out)
    text = out.getvalue()
    for name in PLATFORM:
        assert any(line.startswith(name) for line in text.splitlines()), (name, text)
    assert "overall: ok" in text
    assert "workers exports: mabos_workers_alive" in text

    monkeypatch.setitem(components._COMPONENTS, "ledger", Component("ledger", lambda: 1 / 0, critical=True))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("mabos_status", stdout=out)
    assert exit_info.value.code == 1
    assert "ZeroDivisionError" in out.getvalue() and "overall: fail" in out.getvalue()


@pytest.mark.processes
def test_a_real_worker_heartbeats_and_disappears_at_once_when_it_stops(tmp_path):
    worker = start_worker(tmp_path, name="heartbeat")
    identity = f"heartbeat@{socket.gethostname()}"
    try:
        beat = wait_until(lambda: heartbeats_alive("worker").get(identity), timeout=60,
                          message=f"heartbeat of {identity}:\n{worker.output()}")
        assert beat["queues"] and "default" in beat["queues"]
        assert component_get("workers").check().count(identity) == 1
    finally:
        worker.stop()
    assert identity not in heartbeats_alive("worker")


@pytest.mark.processes
def test_a_real_beat_heartbeats_and_disappears_at_once_when_it_stops(tmp_path):
    # Its own broker: nothing beat schedules may reach the shared test queues.
    broker = RedisServer(tmp_path / "broker").start()
    beat = Process([str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO",
                    f"--schedule={tmp_path / 'schedule'}"],
                   process_env(MABOS_PROCESS_ROLE="worker", CELERY_BROKER_URL=broker.url),
                   tmp_path / "beat.log").start()
    identity = f"{socket.gethostname()}:{beat.popen.pid}"
    try:
        wait_until(lambda: heartbeats_alive("beat").get(identity), timeout=60,
                   message=f"beat heartbeat:\n{beat.output()}")
        assert component_get("beat").check().startswith(("alive: ", "2 beat", "3 beat"))
    finally:
        beat.stop()
        broker.stop()
    # Not after the heartbeat's TTL: the moment it has stopped (a "two beats" warning goes with it).
    assert identity not in heartbeats_alive("beat"), beat.output()
