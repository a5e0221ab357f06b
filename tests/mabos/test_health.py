"""Liveness never touches a dependency; readiness names the dependency that fails."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.cache import caches

from config.celery import app
from mabos.health.registry import HealthCheck, run_health_checks
from tests.support.health import pretend_workers_and_beat_alive, token_headers

pytestmark = pytest.mark.django_db


def test_live_is_ok_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_each_check_with_latency(client):
    pretend_workers_and_beat_alive()
    response = client.get("/health/ready/", **token_headers())
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) >= {"database", "cache", "broker", "workers", "beat", "audit_chain"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert check["latency_ms"] >= 0


def test_ready_is_not_cached(client):
    assert "no-cache" in client.get("/health/ready/")["Cache-Control"]


@pytest.fixture
def redis_behind_cache_and_broker(private_redis, settings):
    """Point the cache and the broker at a Redis this test may stop."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    caches["default"].close()
    old_broker = app.conf.broker_url
    app.conf.broker_url = private_redis.url
    yield private_redis
    app.conf.broker_url = old_broker


def test_redis_down_degrades_readiness_naming_cache_and_broker_without_503(client, redis_behind_cache_and_broker):
    """Every web node shares one Redis: a 503 here would take the whole fleet out of the load balancer
    while sends still commit to the outbox. The node can serve, so it says so and names what is down."""
    assert client.get("/health/ready/").status_code == 200
    redis_behind_cache_and_broker.stop()

    anonymous = client.get("/health/ready/")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "degraded"}

    response = client.get("/health/ready/", **token_headers())
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert {"cache", "broker"} <= set(body["failing"])
    assert not [name for name in body["failing"] if body["checks"][name]["critical"]]
    # Heartbeats live in the cache too: worker and beat liveness cannot be confirmed either.
    assert set(body["failing"]) <= {"cache", "broker", "workers", "beat"}
    assert body["checks"]["database"]["status"] == "ok"
    assert "Traceback" not in response.content.decode()

    redis_behind_cache_and_broker.start()
    assert client.get("/health/ready/").status_code == 200


def test_database_down_is_the_503(client, monkeypatch):
    """The one dependency without which a web node cannot serve."""
    from mabos import components

    def database_down() -> None:
        raise RuntimeError("connection refused")

    database = components._COMPONENTS["database"]
    monkeypatch.setitem(components._COMPONENTS, "database", dataclasses.replace(database, check=database_down))
    response = client.get("/health/ready/", **token_headers())
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["failing"] == ["database"]


def test_a_hung_check_is_bounded_by_the_timeout():
    import threading

    release = threading.Event()
    results = run_health_checks([HealthCheck("hung", lambda: release.wait(10))], timeout=0.2)
    release.set()
    assert results[0].ok is False
    assert "timed out" in results[0].error


def test_non_critical_failure_degrades_without_503(client, monkeypatch):
    from mabos import components

    def broken() -> None:
        raise RuntimeError("optional thing is down")

    monkeypatch.setitem(components._COMPONENTS, "optional", HealthCheck("optional", broken, critical=False))
    response = client.get("/health/ready/", **token_headers())
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["optional"]["error"] == "RuntimeError: optional thing is down"
