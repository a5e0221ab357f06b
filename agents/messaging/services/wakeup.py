"""The wake-up call: after a send commits, tell a delivery worker there is work.

The wake-up is only an optimisation (docs/messaging.md): the deliveries are
already committed, and the sweeper dispatches them if every wake-up is lost.
So publishing it must never fail or stall a send:

- it runs after commit (``transaction.on_commit``), never inside the transaction;
- a circuit breaker (state shared through Redis) stops trying while the broker is down;
- its own connection has short socket timeouts and no retries;
- wake-ups are coalesced: one pending wake-up (a Redis key with a short TTL) stands for every
  send until a worker picks it up, so 5,000 sends a second are not 5,000 tasks a second.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from django.conf import settings
from django.db import transaction
from redis import Redis, RedisError

from agents.messaging.services.policy import knob
from config.celery import app as celery_app
from mabos.resilience.breakers import breaker
from mabos.resilience.redis_clients import fast_redis

logger = logging.getLogger("agents.messaging.wakeup")

BREAKER_NAME = "broker-publish"
WAKEUP_KEY = "mabos:messaging:wakeup-pending"
#: A wake-up lost after its key was set (publish failed) blocks others for at most this long.
WAKEUP_TTL_MS = 1000
#: The delivery task, published by name (agents.messaging.tasks.deliver_due).
DELIVER_TASK = "agents.deliver_due"

_local = threading.local()


def _broker_is_redis() -> bool:
    return str(settings.CELERY_BROKER_URL).startswith(("redis://", "rediss://"))


def _redis() -> Redis | None:
    if not _broker_is_redis():
        return None
    return fast_redis(settings.CELERY_BROKER_URL, float(knob("PUBLISH_TIMEOUT_SECONDS")))


def _connection() -> Any:
    """This thread's broker connection, with the short publish timeouts (kombu connections are not thread-safe)."""
    conn = getattr(_local, "connection", None)
    if conn is None:
        timeout = float(knob("PUBLISH_TIMEOUT_SECONDS"))
        options = dict(celery_app.conf.broker_transport_options or {})
        if _broker_is_redis():
            options.update(socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False,
                           max_retries=0)
        conn = _local.connection = celery_app.connection_for_write(transport_options=options, connect_timeout=timeout)
    return conn


def _drop_connection() -> None:
    conn = getattr(_local, "connection", None)
    _local.connection = None
    if conn is not None:
        try:
            conn.release()
        except Exception:  # a broken connection may fail to close; it is dropped either way
            logger.debug("closing a broken broker connection failed", exc_info=True)


def _publish(task: str, queue: str, key: str) -> bool:
    client = _redis()
    if client is not None and not client.set(key, b"1", nx=True, px=WAKEUP_TTL_MS):
        return True  # a wake-up is already on its way; the worker's claim will see this send too
    try:
        # By name: a service never imports a task module (agents.messaging.tasks imports this one).
        celery_app.send_task(task, connection=_connection(), retry=False, queue=queue, ignore_result=True)
    except Exception:
        _drop_connection()
        if client is not None:
            with contextlib.suppress(RedisError):  # the key expires by itself
                client.delete(key)
        raise
    return True


def publish_coalesced(*, task: str, queue: str, key: str) -> bool:
    """Publish ``task`` (by name) unless a wake-up of it is still pending under ``key``; never raises or stalls.

    The one publishing path of every wake-up (the delivery worker's here, the reasoning workers' in
    ``agents.reasoning.runtime.wakeup``): the broker breaker, the short timeouts, the coalescing key. True
    if a wake-up is on its way; False if the work's sweeper must carry it.
    """
    return breaker(BREAKER_NAME, fail_max=int(knob("BREAKER_FAIL_MAX")),
                   reset_timeout=float(knob("BREAKER_RESET_SECONDS"))).call(
        _publish, task, queue, key, fallback=lambda: False)


def publish_wakeup() -> bool:
    """Ask a worker to deliver now. True if a wake-up is on its way; False if the sweeper must carry it."""
    return publish_coalesced(task=DELIVER_TASK, queue="messages", key=WAKEUP_KEY)


def wakeup_after_commit() -> None:
    """Publish a wake-up once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(publish_wakeup, robust=True)


def wakeup_taken(key: str = WAKEUP_KEY) -> None:
    """Called by the worker before it claims: later work must publish a fresh wake-up (``key``: whose)."""
    client = _redis()
    if client is None:
        return
    with contextlib.suppress(RedisError):  # the key expires within WAKEUP_TTL_MS anyway
        client.delete(key)
