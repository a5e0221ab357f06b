"""Messaging guarantees under faults, with real processes (ARCHITECTURE.md §7).

Each test uses a private Redis for its web process and workers, so the suite's
shared worker never sees its wake-ups.
"""

from __future__ import annotations

import signal
import threading
import time
from uuid import UUID

import psycopg
import pytest
from django.db import connection

from agents.messaging.services.wakeup import BREAKER_NAME
from agents.models import AgentEvent, AgentRuntime, Delivery, Message
from tests.support import processes
from tests.support.faults import (
    FAST,
    operator_token,
    pg_ctl,
    post_message,
    postmaster_options,
    ready,
    start_worker_with_beat,
)
from tests.support.metrics import breaker_state, metric
from tests.support.polling import wait_until
from tests.support.processes import start_gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


def acked_counted(base: str) -> dict[str, float]:
    """What the processes report having handed over (this test's processes only: fresh counters)."""
    return {"acked": metric(base, 'mabos_deliveries_finished_total{status="acked"}') or 0.0,
            "delivered_attempts": metric(base, 'mabos_delivery_attempts_total{outcome="delivered"}') or 0.0,
            "send_to_deliver": metric(base, "mabos_send_to_deliver_seconds_count") or 0.0}


def all_acked(ids: list[str]) -> bool:
    return Delivery.objects.filter(message_id__in=ids, status="acked").count() == len(ids)


def test_a_worker_killed_holding_a_batch_loses_nothing_and_duplicates_nothing(tmp_path, private_redis, alice, bob):
    env = {**FAST, "REDIS_URL": private_redis.url}
    token = operator_token(alice.organization)
    web, base = start_gunicorn(tmp_path, **env)
    # Hold the inbox table so the first worker claims its batch (dispatched, leased) and then blocks.
    blocker = psycopg.connect(processes.test_database_url(), autocommit=False)
    blocker.execute("LOCK TABLE agents_agentevent IN EXCLUSIVE MODE")
    first = start_worker_with_beat(tmp_path, "doomed", **env)
    second = None
    try:
        before = acked_counted(base)
        ids = []
        for i in range(30):
            status, body = post_message(base, token, {"sender": str(alice.pk), "performative": "inform",
                                                      "to": [str(bob.pk)], "content": {"n": i}})
            assert status == 201, body
            ids.append(body["id"])
        wait_until(lambda: Delivery.objects.filter(status="dispatched").exists(), timeout=30,
                   message="the first worker holding a claimed batch")
        first.stop(signal.SIGKILL)
        blocker.rollback()
        second = start_worker_with_beat(tmp_path, "heir", **env)
        wait_until(lambda: all_acked(ids), timeout=40, interval=0.2, message="every message delivered")
        # "Nothing twice" counted where a second hand-over would show: the message events are unique per
        # delivery (the schema), but the hand-overs the workers report are not. Each of the 30 is handed over
        # once, is one event of bob's, and bob is due for a cycle (the wake committed with the events).
        assert AgentEvent.objects.filter(agent=bob, kind="message").count() == 30
        assert set(AgentEvent.objects.filter(agent=bob).values_list("message_id", flat=True)) == set(map(UUID, ids))
        assert AgentRuntime.objects.get(agent=bob).wake_at is not None
        assert Delivery.objects.filter(message_id__in=ids, attempts__gt=2).count() == 0  # doomed, then heir
        def counted() -> dict[str, float] | None:
            now = acked_counted(base)
            delta = {name: now[name] - before[name] for name in now}
            return delta if delta["acked"] >= 30 else None

        handed_over = wait_until(counted, timeout=10, message="the workers' counts in /metrics")
        assert handed_over == {"acked": 30.0, "delivered_attempts": 30.0, "send_to_deliver": 30.0}
        assert not Message.objects.filter(performative="failure").exists()  # and nothing was given up
    finally:
        blocker.close()
        first.stop(signal.SIGKILL)
        if second:
            second.stop()
        web.stop()


def test_sends_succeed_while_redis_is_down_and_are_delivered_after(tmp_path, private_redis, alice, bob):
    env = {**FAST, "REDIS_URL": private_redis.url}
    token = operator_token(alice.organization)
    web, base = start_gunicorn(tmp_path, **env)
    worker = start_worker_with_beat(tmp_path, "w", **env)
    try:
        private_redis.stop()
        ids, started = [], time.monotonic()
        for i in range(100):
            status, body = post_message(base, token, {"sender": str(alice.pk), "performative": "inform",
                                                      "to": [str(bob.pk)], "content": {"n": i}})
            assert status == 201, (body, web.output()[-4000:])
            ids.append(body["id"])
        assert time.monotonic() - started < 20, "a dead Redis must not stall sends"
        assert Delivery.objects.filter(message_id__in=ids).count() == 100
        # What an operator sees meanwhile: readiness stays 200 (the node serves: the sends above) but
        # says degraded and names Redis's roles; the publish breaker is open.
        status, body = ready(base)
        assert status == 200 and body["status"] == "degraded"
        assert {"cache", "broker"} <= set(body["failing"])
        assert body["checks"]["database"]["status"] == "ok"
        assert breaker_state(base, BREAKER_NAME) == 2
        private_redis.start()
        # One sweeper interval plus the worker's broker reconnect (Celery backs off up to a few seconds).
        wait_until(lambda: all_acked(ids), timeout=25, interval=0.2, message="all delivered after Redis returned")
        assert AgentEvent.objects.filter(message_id__in=ids, kind="message").count() == 100
        wait_until(lambda: not {"cache", "broker"} & set(ready(base)[1]["failing"]), timeout=20,
                   message="readiness no longer naming Redis after it returned")
    finally:
        worker.stop()
        web.stop()


def test_a_postgres_restart_gives_503s_never_500s_and_loses_no_accepted_message(tmp_path, private_redis, alice,
                                                                                 bob):
    env = {**FAST, "REDIS_URL": private_redis.url, "DB_POOL_TIMEOUT": "1", "DB_CONNECT_TIMEOUT": "1"}
    token = operator_token(alice.organization)
    web, base = start_gunicorn(tmp_path, **env)
    worker = start_worker_with_beat(tmp_path, "w", **env)
    accepted, refused, other = [], [], []
    stop = threading.Event()

    def sender() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            status, body = post_message(base, token, {"sender": str(alice.pk), "performative": "inform",
                                                      "to": [str(bob.pk)], "content": {"n": n}})
            (accepted if status == 201 else refused if status == 503 else other).append((status, body))
            time.sleep(0.02)  # steady, bounded load

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    try:
        wait_until(lambda: len(accepted) >= 10, timeout=20, message="steady sending")
        options = postmaster_options()
        connection.close()
        pg_ctl("stop", "-m", "fast", "-w")
        try:
            wait_until(lambda: refused, timeout=20, message="a 503 during the outage")
            status, body = ready(base)
            assert status == 503
            assert "database" in body["failing"]
        finally:
            pg_ctl("start", "-w", "-t", "30", "-o", options)
        before = len(accepted)
        wait_until(lambda: len(accepted) >= before + 10, timeout=30, message="sends accepted again")
        assert ready(base)[1]["checks"]["database"]["status"] == "ok"
    finally:
        stop.set()
        thread.join(15)
    try:
        assert not other, other[:3]
        assert all(body.get("code") == "database_unavailable" for _, body in refused), refused[:3]
        ids = [body["id"] for _, body in accepted]
        wait_until(lambda: all_acked(ids), timeout=30, interval=0.3, message="every accepted message delivered")
        assert worker.alive() and web.alive()
    finally:
        worker.stop()
        web.stop()
