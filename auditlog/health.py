"""Readiness: is the audit chain intact, according to the latest verification?

Non-critical (a broken chain is a security incident to investigate, not a
reason to stop serving), and cheap: it reads one cache key written by
``auditlog_verify`` or the periodic task; it never walks the chain itself.
"""

from __future__ import annotations

from auditlog.verification import last_result
from mabos.components import component
from mabos.health.registry import describe_error


@component("audit_chain", critical=False, metrics=("mabos_audit_chain_ok",),
           description="HMAC hash chain of the audit log, from the latest verification")
def check_audit_chain() -> str:
    try:
        result = last_result()
    except Exception as exc:
        # The cache check reports an unreachable cache; this one only judges the chain.
        return f"no verdict available: {describe_error(exc)}"
    if result is None:
        return "not verified yet; the periodic auditlog.verify_chain task or auditlog_verify will record a result"
    if not result.ok:
        if result.broken_event_id is None:  # nothing left to name: the tail (or all of it) is gone
            raise RuntimeError(f"chain broken after seq {result.head_seq or 0}: {result.reason}: {result.detail} "
                               f"(verified at {result.verified_at})")
        raise RuntimeError(f"chain broken at event {result.broken_event_id}: {result.reason} "
                           f"(verified at {result.verified_at})")
    return f"{result.checked} event(s) verified at {result.verified_at}"
