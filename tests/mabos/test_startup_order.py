"""Processes start in any order: they wait for their dependencies, and a dependency that goes away
later degrades health instead of crashing anything."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from celery import Celery

from tests.support.health import token_http_headers
from tests.support.polling import wait_until
from tests.support.processes import RedisServer, start_gunicorn, start_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


def probe_app(redis_url: str) -> Celery:
    """A client of the worker's own Redis (broker and results), as the web would be."""
    app = Celery("probe", broker=redis_url, backend=redis_url, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    return app


def get_ready(base: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base}/health/ready/", headers=token_http_headers())
    try:
        with urllib.request.urlopen(request, timeout=15) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_a_worker_started_before_redis_connects_when_redis_comes_up(tmp_path):
    redis = RedisServer(tmp_path / "redis")  # a port, nothing listening yet
    worker = start_worker(tmp_path, name="early", REDIS_URL=redis.url)
    try:
        wait_until(lambda: "Cannot connect to redis" in worker.output() or "Error 111" in worker.output(),
                   timeout=60, message="the worker trying to reach the missing Redis")
        assert worker.alive(), worker.output()

        redis.start()
        app = probe_app(redis.url)
        result = app.send_task("mabos.ping", queue="default")
        assert result.get(timeout=90) == {"pong": True}, worker.output()
        assert worker.alive()

        # Redis goes away and comes back: the worker stays up, reconnects and works again.
        redis.stop()
        wait_until(lambda: worker.output().count("Cannot connect to redis") >= 2
                   or "Connection to broker lost" in worker.output(), timeout=60,
                   message="the worker noticing Redis is gone")
        assert worker.alive(), worker.output()
        redis.start()
        assert app.send_task("mabos.ping", queue="default").get(timeout=90) == {"pong": True}
    finally:
        worker.stop()
        redis.stop()


def test_web_started_before_redis_serves_degraded_then_recovers(tmp_path):
    redis = RedisServer(tmp_path / "redis")
    server, base = start_gunicorn(tmp_path, REDIS_URL=redis.url)  # /health/live/ answers without Redis
    try:
        status, body = get_ready(base)
        assert status == 200 and body["status"] == "degraded"  # the node can serve; Redis is named
        assert {"cache", "broker"} <= set(body["failing"])
        assert body["checks"]["database"]["status"] == "ok"

        redis.start()
        wait_until(lambda: get_ready(base)[1]["checks"]["cache"]["status"] == "ok", timeout=30,
                   message="cache reachable")
        status, body = get_ready(base)
        assert status == 200, body
        assert body["checks"]["broker"]["status"] == "ok"
        assert "last_error" in body["checks"]["cache"]  # the outage is remembered

        redis.stop()
        status, body = get_ready(base)
        assert status == 200 and body["status"] == "degraded" and "cache" in body["failing"]
        assert server.alive()
    finally:
        server.stop()
        redis.stop()


def test_web_started_without_its_database_stays_up_and_names_it(tmp_path):
    """A DATABASE_URL pointing nowhere: the web process starts and says which dependency fails."""
    from tests.support.processes import free_port

    dead = f"postgres://mabos@127.0.0.1:{free_port()}/mabos"
    server, base = start_gunicorn(tmp_path, DATABASE_URL=dead, DB_CONNECT_TIMEOUT="1", DB_POOL_MIN_SIZE="0",
                                  DB_POOL_TIMEOUT="1", HEALTH_CHECK_TIMEOUT="3")
    try:
        status, body = get_ready(base)
        assert status == 503 and "database" in body["failing"], body
        assert body["checks"]["cache"]["status"] == "ok"
        assert server.alive()
    finally:
        server.stop()
