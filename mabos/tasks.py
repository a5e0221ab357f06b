"""Platform tasks."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection

from mabos.api.refusals import refusal_summaries_record

logger = logging.getLogger(__name__)


@shared_task(name="mabos.ping")
def ping(*, touch_database: bool = False) -> dict:
    """Prove the wiring end to end; with ``touch_database`` also report the DB backend in use.

    The backend pid lets a test see whether a worker reuses its persistent
    connection, and that it reconnects after the connection was killed.
    """
    result: dict = {"pong": True}
    logger.info("pong")  # one line carrying the caller's request id and this task's name
    if touch_database:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0")
            result["db_backend_pid"] = cursor.fetchone()[0]
    return result


@shared_task(name="mabos.record_refusal_summaries")
def record_refusal_summaries() -> int:
    """Audit, once per client and ended window, how many refused credentials were only counted."""
    return refusal_summaries_record()


@shared_task(name="mabos.runtime_setting_seen")
def runtime_setting_seen(name: str) -> object:
    """The value of a runtime setting as this worker reads it now (within RUNTIME_SETTINGS_CACHE_SECONDS
    of the last change): lets an operator, and a test, see when an override has reached the workers."""
    from mabos.runtime_settings import runtime_value

    return runtime_value(name)
