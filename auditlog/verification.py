"""Walk the whole chain and report the first broken link; remember the outcome for readiness.

The walk streams rows in ``seq`` order with ``.iterator(chunk_size=...)`` so a
chain of any length is checked in constant memory. The outcome is stored in
the cache, where the ``audit_chain`` readiness check reads it: readiness stays
fast and never re-walks the chain per request.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from auditlog.chain import GENESIS_HASH, compute_hash, hmac_keys
from auditlog.models import AuditEvent
from mabos.metrics import AUDIT_CHAIN_OK

logger = logging.getLogger(__name__)

RESULT_CACHE_KEY = "auditlog:verification:last"
DEFAULT_CHUNK_SIZE = 2000

HASH_MISMATCH = "hash mismatch"
MISSING_LINK = "missing link"
UNKNOWN_KEY = "unknown key"


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    checked: int
    verified_at: str
    head_seq: int | None = None
    head_hash: str = ""
    broken_event_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""
    detail: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"audit chain OK: {self.checked} event(s) verified, head #{self.head_seq or 0} {self.head_hash}"
        return (f"audit chain BROKEN at event id={self.broken_event_id} (seq {self.broken_seq}): "
                f"{self.reason}: {self.detail} ({self.checked} event(s) verified before it)")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_chain(*, chunk_size: int = DEFAULT_CHUNK_SIZE) -> VerificationResult:
    """Check every event in order; stop at the first one whose link, key or hash is wrong.

    Each row is checked for: its ``seq`` follows the previous one and its
    ``prev_hash`` is the previous row's hash (else a row was removed or
    inserted: missing link); its ``key_id`` is a configured key (unknown key);
    its stored hash equals the HMAC recomputed from its content (hash mismatch:
    the row was altered). An empty table is a valid chain.
    """
    keys = hmac_keys()
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    last: AuditEvent | None = None
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        problem = _check(event, expected_seq, prev_hash, keys)
        if problem is not None:
            reason, detail = problem
            return VerificationResult(ok=False, checked=checked, verified_at=_now(), broken_event_id=event.pk,
                                      broken_seq=event.seq, reason=reason, detail=detail,
                                      head_seq=last.seq if last else None, head_hash=last.hash if last else "")
        checked += 1
        expected_seq, prev_hash, last = event.seq + 1, event.hash, event
    return VerificationResult(ok=True, checked=checked, verified_at=_now(),
                              head_seq=last.seq if last else None, head_hash=last.hash if last else "")


def _check(event: AuditEvent, expected_seq: int, prev_hash: str, keys: dict[str, str]) -> tuple[str, str] | None:
    if event.seq != expected_seq:
        return MISSING_LINK, f"expected seq {expected_seq}, found {event.seq} (events removed or inserted)"
    if event.prev_hash != prev_hash:
        return MISSING_LINK, "prev_hash does not match the hash of the previous event"
    key = keys.get(event.key_id)
    if key is None:
        return UNKNOWN_KEY, f"key id {event.key_id!r} is not in AUDIT_HMAC_KEYS"
    if not hmac.compare_digest(compute_hash(event, key), event.hash):
        return HASH_MISMATCH, "the stored hash does not match the event's content"
    return None


def verify_and_record(*, chunk_size: int = DEFAULT_CHUNK_SIZE) -> VerificationResult:
    """Verify, store the outcome for the readiness check, and log an error if the chain is broken."""
    result = verify_chain(chunk_size=chunk_size)
    AUDIT_CHAIN_OK.set(1 if result.ok else 0)
    try:
        cache.set(RESULT_CACHE_KEY, result.as_dict(), timeout=None)
    except Exception:  # the verdict still reaches the caller and the log
        logger.exception("could not store the audit verification result in the cache")
    if result.ok:
        logger.info("%s", result.describe())
    else:
        logger.error("%s", result.describe())
    return result


def last_result() -> VerificationResult | None:
    """The outcome of the latest verification, or None if none is known."""
    data = cache.get(RESULT_CACHE_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return VerificationResult(**data)
    except TypeError:  # stored by an older version with other fields
        return None


def _now() -> str:
    return timezone.now().isoformat(timespec="seconds")
