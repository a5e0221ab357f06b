"""Periodic audit work (scheduled in config/settings/workers.py)."""

from __future__ import annotations

from celery import shared_task

from auditlog.verification import verify_and_record
from mabos.request_context import current_request_id


@shared_task(name="auditlog.verify_chain")
def verify_chain_task(chunk_size: int = 2000) -> dict:
    """Walk the audit chain, store the verdict for /health/ready/, log an error when it is broken.

    Returns the verdict and the request id that caused the run (if a request
    queued it), so whoever queued it can correlate it with the worker's log.
    """
    result = verify_and_record(chunk_size=chunk_size)
    return {**result.as_dict(), "request_id": current_request_id()}
