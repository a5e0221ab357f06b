"""Readiness detail is for staff or the health token: tests present the token like an operator's probe."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def token_headers() -> dict[str, str]:
    """For the Django test client: ``client.get("/health/ready/", **token_headers())``."""
    return {"HTTP_X_HEALTH_TOKEN": settings.HEALTH_TOKEN}


def token_http_headers() -> dict[str, str]:
    """For urllib against a real server."""
    return {"X-Health-Token": settings.HEALTH_TOKEN}


def ready_detail(client: Any) -> tuple[int, dict]:
    response = client.get("/health/ready/", **token_headers())
    return response.status_code, response.json()


def pretend_workers_and_beat_alive() -> None:
    """Start from a system with nothing to report: no stale audit verdict or open breaker left by an
    earlier test, and the heartbeats a worker and beat write (through the function they use)."""
    from django.core.cache import cache

    from auditlog.verification import RESULT_CACHE_KEY
    from mabos.heartbeats import heartbeat_write
    from mabos.resilience.breakers import all_breakers

    cache.delete(RESULT_CACHE_KEY)
    for item in all_breakers().values():
        item.close()

    heartbeat_write(role="worker", identity="test-worker@here", info={"queues": ["default"]})
    heartbeat_write(role="beat", identity="test-beat:1")
