"""Liveness of Celery workers and beat, from heartbeats they write themselves.

A broadcast ``inspect ping`` waits for every worker to answer (or for its own
timeout) and crosses the broker, so it is slow exactly when things go wrong.
Instead each worker (and beat) runs a small daemon thread that writes a
timestamp to the shared cache every ``HEARTBEAT_INTERVAL`` seconds with a TTL
of ``HEARTBEAT_TTL_FACTOR`` intervals. Readiness reads those keys: one cache
round trip, however many workers there are. A worker that stops cleanly
removes its key at once; one that dies stops writing and expires.

Keys: ``mabos:heartbeat:<role>:<identity>`` holds the beat; ``mabos:heartbeat:<role>``
lists the identities seen, so any cache backend (Redis, or the database cache
in development) can be read without key scans. Only writers change the list:
a worker adds itself and drops identities whose beat has expired.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
from typing import Any

from celery.signals import beat_embedded_init, beat_init, worker_ready, worker_shutdown

logger = logging.getLogger("mabos.heartbeats")

HEARTBEAT_TTL_FACTOR = 3
#: The members list outlives any one beat but not a decommissioned fleet.
MEMBERS_TIMEOUT = 7 * 24 * 3600


def _interval() -> float:
    from django.conf import settings

    return float(settings.HEARTBEAT_INTERVAL)


def heartbeat_ttl() -> float:
    """Seconds after which a silent worker counts as gone."""
    return _interval() * HEARTBEAT_TTL_FACTOR


def _beat_key(role: str, identity: str) -> str:
    return f"mabos:heartbeat:{role}:{identity}"


def _members_key(role: str) -> str:
    return f"mabos:heartbeat:{role}"


def heartbeat_write(*, role: str, identity: str, info: dict[str, Any] | None = None) -> None:
    """Record that ``identity`` (a worker's node name, beat's host) is alive now."""
    from django.core.cache import cache

    ttl = heartbeat_ttl()
    cache.set(_beat_key(role, identity), {"at": time.time(), **(info or {})}, timeout=max(int(ttl + 0.999), 1))
    members = list(cache.get(_members_key(role)) or [])
    if identity not in members:
        beats = cache.get_many([_beat_key(role, m) for m in members])
        members = [m for m in members if _beat_key(role, m) in beats] + [identity]
        cache.set(_members_key(role), members, timeout=MEMBERS_TIMEOUT)


def heartbeat_clear(*, role: str, identity: str) -> None:
    """A clean shutdown: stop counting this one as alive right away."""
    from django.core.cache import cache

    cache.delete(_beat_key(role, identity))


def heartbeats_alive(role: str) -> dict[str, dict[str, Any]]:
    """identity -> its last heartbeat (with ``age`` in seconds), for every live ``role`` process."""
    from django.core.cache import cache

    members = list(cache.get(_members_key(role)) or [])
    if not members:
        return {}
    beats = cache.get_many([_beat_key(role, m) for m in members])
    now, ttl = time.time(), heartbeat_ttl()
    alive = {}
    for identity in members:
        beat = beats.get(_beat_key(role, identity))
        if isinstance(beat, dict) and now - float(beat.get("at", 0)) <= ttl:
            alive[identity] = {**beat, "age": max(now - float(beat["at"]), 0.0)}
    return alive


class HeartbeatThread(threading.Thread):
    """Writes a heartbeat every interval until stopped; a failed write is logged, never raised.

    The cache going away (Redis down) must not take the worker with it: the
    beat simply stops arriving, readiness reports the component, and the next
    successful write brings it back.
    """

    def __init__(self, *, role: str, identity: str, info: dict[str, Any], interval: float):
        super().__init__(name=f"mabos-heartbeat-{role}", daemon=True)
        self.role, self.identity, self.info, self.interval = role, identity, info, interval
        self._stopping = threading.Event()
        self._failing = False

    def run(self) -> None:
        from django.db import connections

        try:
            while not self._stopping.is_set():
                self._beat()
                self._stopping.wait(self.interval)
        finally:
            connections.close_all()  # the database cache (development) opened one in this thread

    def _beat(self) -> None:
        try:
            heartbeat_write(role=self.role, identity=self.identity, info=self.info)
        except Exception as exc:
            if not self._failing:
                logger.warning("heartbeat of %s %s could not be written: %s: %s", self.role, self.identity,
                               type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            self._failing = True
            return
        if self._failing:
            logger.info("heartbeat of %s %s is being written again", self.role, self.identity)
        self._failing = False

    def stop(self, *, clear: bool = True) -> None:
        self._stopping.set()
        self.join(timeout=self.interval + 1)
        if clear:
            try:
                heartbeat_clear(role=self.role, identity=self.identity)
            except Exception as exc:  # the key expires on its own
                logger.info("heartbeat of %s %s not cleared: %s", self.role, self.identity, type(exc).__name__)


_threads: dict[str, HeartbeatThread] = {}


def heartbeat_start(*, role: str, identity: str, info: dict[str, Any] | None = None) -> HeartbeatThread:
    """Start (once per role in this process) the thread that keeps ``identity`` alive."""
    existing = _threads.get(role)
    if existing is not None and existing.is_alive():
        return existing
    thread = HeartbeatThread(role=role, identity=identity, info={"pid": os.getpid(), **(info or {})},
                             interval=_interval())
    _threads[role] = thread
    thread.start()
    return thread


def heartbeat_stop(role: str) -> None:
    thread = _threads.pop(role, None)
    if thread is not None:
        thread.stop()


# --- Celery wiring (connected when config/celery.py imports this module) -------------------

@worker_ready.connect(weak=False)
def _worker_ready(sender: Any = None, **kwargs: Any) -> None:
    """In the worker's main process, once its consumer is connected and its pool is up."""
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    queues = []
    task_consumer = getattr(sender, "task_consumer", None)
    for queue in getattr(task_consumer, "queues", None) or []:
        queues.append(getattr(queue, "name", str(queue)))
    controller = getattr(sender, "controller", None)
    heartbeat_start(role="worker", identity=hostname,
                    info={"queues": queues, "concurrency": getattr(controller, "concurrency", None)})


@worker_shutdown.connect(weak=False)
def _worker_shutdown(**kwargs: Any) -> None:
    heartbeat_stop("worker")


@beat_init.connect(weak=False)
@beat_embedded_init.connect(weak=False)
def _beat_started(sender: Any = None, **kwargs: Any) -> None:
    heartbeat_start(role="beat", identity=f"{socket.gethostname()}:{os.getpid()}")
    # Celery has no beat-shutdown signal. Beat ends by SystemExit (its SIGTERM/SIGINT handlers raise
    # it), so atexit runs: a cleanly stopped beat stops counting as alive at once instead of lingering
    # for the heartbeat's TTL, and the "two beats" warning goes the moment the second one is stopped.
    atexit.register(heartbeat_stop, "beat")
