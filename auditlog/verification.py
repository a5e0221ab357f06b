"""Walk the whole chain and report the first broken link; remember the outcome for readiness.

The walk streams rows in ``seq`` order with ``.iterator(chunk_size=...)`` so a
chain of any length is checked in constant memory. The outcome is stored in
the cache, where the ``audit_chain`` readiness check reads it: readiness stays
fast and never re-walks the chain per request.

The walk alone cannot see that the newest events were removed (what is left
is still a valid chain); the head anchored outside the table
(``auditlog.anchor``) can, so the walk ends by comparing the table with it.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from auditlog.anchor import Anchor, AnchorUnavailable, anchor_advance, anchor_read
from auditlog.chain import GENESIS_HASH, compute_hash, hmac_keys
from auditlog.models import AuditEvent
from mabos.metrics import AUDIT_CHAIN_OK

logger = logging.getLogger(__name__)

RESULT_CACHE_KEY = "auditlog:verification:last"
DEFAULT_CHUNK_SIZE = 2000

HASH_MISMATCH = "hash mismatch"
MISSING_LINK = "missing link"
UNKNOWN_KEY = "unknown key"
TAIL_MISSING = "tail missing"
ANCHOR_MISMATCH = "anchor mismatch"
ANCHOR_INVALID = "anchor invalid"


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
    #: The head recorded outside the table when the walk began (None: none recorded or unreadable).
    anchor_seq: int | None = None
    anchor_note: str = ""

    def describe(self) -> str:
        if self.ok:
            anchored = f"; {self.anchor_note}" if self.anchor_note else ""
            return (f"audit chain OK: {self.checked} event(s) verified, head #{self.head_seq or 0} "
                    f"{self.head_hash}{anchored}")
        if self.reason == TAIL_MISSING:
            return (f"audit chain BROKEN after seq {self.head_seq or 0}: {self.reason}: {self.detail} "
                    f"({self.checked} event(s) verified)")
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
    the row was altered). Then the table's head is compared with the anchored
    head: the anchored ``seq`` must be in the table (else **tail missing**: the
    newest events, or all of them, were removed) with the anchored hash (else
    **anchor mismatch**), and the anchor must carry a valid signature (else
    **anchor invalid**). The anchor is read before the walk, so events
    committed meanwhile never make it look ahead of the table.
    """
    keys = hmac_keys()
    anchor, anchor_note = _anchor()
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    last: AuditEvent | None = None
    anchored_hash: str | None = None
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        problem = _check(event, expected_seq, prev_hash, keys)
        if problem is not None:
            reason, detail = problem
            return VerificationResult(ok=False, checked=checked, verified_at=_now(), broken_event_id=event.pk,
                                      broken_seq=event.seq, reason=reason, detail=detail,
                                      head_seq=last.seq if last else None, head_hash=last.hash if last else "",
                                      anchor_seq=anchor.seq if anchor else None, anchor_note=anchor_note)
        checked += 1
        if anchor is not None and event.seq == anchor.seq:
            anchored_hash = event.hash
        expected_seq, prev_hash, last = event.seq + 1, event.hash, event
    head = {"head_seq": last.seq if last else None, "head_hash": last.hash if last else "",
            "anchor_seq": anchor.seq if anchor else None, "anchor_note": anchor_note}
    problem = _check_anchor(anchor, last.seq if last else 0, anchored_hash)
    if problem is not None:
        reason, detail = problem
        broken_seq = (last.seq if last else 0) + 1 if reason == TAIL_MISSING else (anchor.seq if anchor else None)
        return VerificationResult(ok=False, checked=checked, verified_at=_now(), broken_seq=broken_seq,
                                  reason=reason, detail=detail, **head)
    return VerificationResult(ok=True, checked=checked, verified_at=_now(), **head)


def _anchor() -> tuple[Anchor | None, str]:
    """The anchored head, and a note for the verdict when the tail cannot be checked against one."""
    try:
        anchor = anchor_read()
    except AnchorUnavailable as exc:
        return None, f"tail not checked: {exc}"
    if anchor is None:
        return None, "no head anchored yet: this verification anchors it"
    return anchor, ""


def _check_anchor(anchor: Anchor | None, last_seq: int, anchored_hash: str | None) -> tuple[str, str] | None:
    if anchor is None:
        return None
    if not anchor.signed:
        return ANCHOR_INVALID, "the anchored head's signature does not verify under AUDIT_HMAC_KEYS"
    if anchor.seq > last_seq:
        return TAIL_MISSING, (f"expected seq {anchor.seq}, found {last_seq} "
                              f"({anchor.seq - last_seq} newest event(s) removed)")
    if anchored_hash != anchor.hash:
        return ANCHOR_MISMATCH, f"event seq {anchor.seq} does not have the anchored hash (the chain was rewritten)"
    return None


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
    if result.ok and result.head_seq:
        anchor_advance(seq=result.head_seq, head_hash=result.head_hash)  # what was verified is the floor
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

