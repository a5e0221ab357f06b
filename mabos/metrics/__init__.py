"""Metrics: what MABOS counts, where each process writes it, and ``/metrics``, which merges it all.

- ``definitions``: every metric object (``MESSAGES_SENT``, ``DELIVERIES_FINISHED`` ...), defined once.
- ``directory``: this process group's multiprocess directory, set before prometheus_client loads.
- ``archive``: what dead process groups counted, kept so that counters never go backwards.
- ``exposition``: the ``/metrics`` view: every group's files merged, plus figures computed at scrape time.
- ``http``: the middleware that counts and times every request by its route.
- ``task_timing``: the Celery signal receivers that time every task (not a tasks module: it defines none).

``from mabos.metrics import DELIVERIES_FINISHED`` works: the metric objects are re-exported here, but
loaded on first use, not when this package is imported. ``config/celery.py`` imports
``mabos.metrics.directory``, and so this file, to set ``PROMETHEUS_MULTIPROC_DIR``, which
prometheus_client reads once, when it is imported: importing this package must not import it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mabos.metrics.definitions import (
        AUDIT_CHAIN_OK,
        BREAKER_STATE,
        BREAKER_TRANSITIONS,
        DELIVERIES_FINISHED,
        DELIVERY_ATTEMPTS,
        HTTP_LATENCY,
        HTTP_REQUESTS,
        LATENCY_BUCKETS,
        LEARNING_OUTCOMES,
        LEARNING_ROLLED,
        LOCKOUTS,
        LOGIN_FAILURES,
        MESSAGES_SENT,
        SEND_TO_ACK,
        SEND_TO_DELIVER,
        SUPERVISION_ESCALATIONS,
        SUPERVISION_EVENTS,
        SUPERVISION_RESTARTS,
        SUPERVISION_RESTARTS_SCHEDULED,
        TASK_DURATION,
    )

__all__ = (
    "AUDIT_CHAIN_OK",
    "BREAKER_STATE",
    "BREAKER_TRANSITIONS",
    "DELIVERIES_FINISHED",
    "DELIVERY_ATTEMPTS",
    "HTTP_LATENCY",
    "HTTP_REQUESTS",
    "LATENCY_BUCKETS",
    "LEARNING_OUTCOMES",
    "LEARNING_ROLLED",
    "LOCKOUTS",
    "LOGIN_FAILURES",
    "MESSAGES_SENT",
    "SEND_TO_ACK",
    "SEND_TO_DELIVER",
    "SUPERVISION_ESCALATIONS",
    "SUPERVISION_EVENTS",
    "SUPERVISION_RESTARTS",
    "SUPERVISION_RESTARTS_SCHEDULED",
    "TASK_DURATION",
)


def __getattr__(name: str) -> Any:
    """The metric objects of ``mabos.metrics.definitions``, imported the first time one is asked for."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("mabos.metrics.definitions"), name)
    globals()[name] = value  # later lookups find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
