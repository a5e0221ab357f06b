"""The platform's own components: database, cache, broker, Celery workers, beat, circuit breakers.

Which are critical, and why (readiness answers 503 only for a critical one, so a load balancer takes a
web node out only when that node cannot serve):

- database: critical. It is the truth for every request: the outbox, sessions, lockouts, the audit log.
- cache, broker (Redis): not critical. With Redis down a web node still serves correctly: sends are
  committed to the outbox and the sweeper dispatches them later, token revocation is read from the
  database, throttles and breakers fail open. Every web node shares the one Redis, so treating it as
  critical would take the whole fleet out at once. Readiness says "degraded" and names it.
- workers, beat: not critical. Sends are committed to the outbox and wait for a
  worker; the web keeps serving, so readiness says "degraded", not 503.
- circuit_breakers: not critical. An open breaker means a fallback is in use;
  the dependency behind it is judged by its own check.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from mabos.components import component
from mabos.heartbeats import heartbeat_ttl, heartbeats_alive


@component("database", metrics=("mabos_deliveries_pending", "mabos_deliveries_dead"),
           description="PostgreSQL (SQLite in development): SELECT 1 on a fresh connection")
def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


@component("cache", critical=False, metrics=("mabos_login_failures_total", "mabos_lockouts_total"),
           description="Django cache (Redis): throttles, lockouts, token denylist, heartbeats")
def check_cache() -> None:
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("value written to the cache could not be read back")
    cache.delete(key)


@component("broker", critical=False, metrics=("mabos_messages_sent_total", "mabos_delivery_attempts_total"),
           description="Celery broker (Redis, or the filesystem transport in development)")
def check_broker() -> None:
    from config.celery import app

    url = app.conf.broker_url
    if url.startswith("filesystem"):
        folder = Path(app.conf.broker_transport_options["data_folder_out"])
        if not folder.is_dir():
            raise RuntimeError(f"broker folder {folder} is missing")
        return
    if urlsplit(url).scheme not in ("redis", "rediss"):
        raise RuntimeError("unsupported broker scheme")
    timeout = settings.HEALTH_CHECK_TIMEOUT
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


@component("workers", critical=False,
           metrics=("mabos_workers_alive", "mabos_task_duration_seconds", "mabos_deliveries_finished_total"),
           description="Celery workers, from the heartbeat each writes to the cache")
def check_workers() -> str:
    alive = heartbeats_alive("worker")
    if not alive:
        raise RuntimeError(f"no worker heartbeat in the last {heartbeat_ttl():g}s")
    beats = ", ".join(f"{name} ({beat['age']:.0f}s ago)" for name, beat in sorted(alive.items()))
    return f"{len(alive)} alive: {beats}"


@component("beat", critical=False, metrics=("mabos_beat_alive",),
           description="Celery beat (periodic work: sweeper, audit verification), from its heartbeat")
def check_beat() -> str:
    alive = heartbeats_alive("beat")
    if not alive:
        raise RuntimeError(f"no beat heartbeat in the last {heartbeat_ttl():g}s")
    if len(alive) > 1:
        # Two beats schedule everything twice; say so, but it is not an outage.
        return f"{len(alive)} beat processes alive (expected one): " + ", ".join(sorted(alive))
    return f"alive: {next(iter(alive))}"


@component("circuit_breakers", critical=False,
           metrics=("mabos_circuit_breaker_state", "mabos_circuit_breaker_transitions_total"),
           description="Circuit breakers known to this process; open means callers get the fallback")
def check_circuit_breakers() -> str:
    from mabos.resilience.breakers import all_breakers

    states = {name: item.current_state for name, item in sorted(all_breakers().items())}
    not_closed = {name: state for name, state in states.items() if state != "closed"}
    if not_closed:
        raise RuntimeError(", ".join(f"{name} {state}" for name, state in not_closed.items()))
    return f"{len(states)} closed" if states else "none in use yet"
