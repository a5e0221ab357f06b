"""The hash chain: canonical form, keyed HMAC, and serialised appends.

Each event's ``hash`` is HMAC-SHA256, under the key named by its ``key_id``,
of a canonical JSON serialisation of the event that includes ``seq`` and
``prev_hash`` (the previous event's hash). Changing, removing or reordering
any row therefore breaks the chain at that row, and nobody without the key
can forge a replacement.

Keys come from ``settings.AUDIT_HMAC_KEYS`` (id -> key, in order). New events
use the last key; every listed key still verifies older events, so rotating is
"append a new key, keep the old ones".

Appends are serialised so concurrent writers cannot fork the chain: on
PostgreSQL by a transaction-scoped advisory lock, held until the writer's
transaction ends (so the next writer sees the committed predecessor); on
SQLite by its single-writer lock (MABOS opens SQLite transactions IMMEDIATE).
The unique ``seq`` is the backstop: a fork could never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from auditlog.models import AuditEvent

GENESIS_HASH = "0" * 64
# pg_advisory_xact_lock key: the first 8 bytes of sha256("mabos.auditlog.chain"), as a signed bigint.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"mabos.auditlog.chain").digest()[:8], "big", signed=True)

#: The fields the hash covers, in the order the canonical form lists them.
HASHED_FIELDS = ("seq", "occurred_at", "actor_type", "actor_id", "actor_name", "action", "target_type",
                 "target_id", "target_repr", "changes", "note", "ip", "user_agent", "request_id", "key_id",
                 "prev_hash")


def hmac_keys() -> dict[str, str]:
    keys = dict(getattr(settings, "AUDIT_HMAC_KEYS", None) or {})
    if not keys:
        raise ImproperlyConfigured("AUDIT_HMAC_KEYS is empty: the audit chain cannot be signed.")
    return keys


def signing_key() -> tuple[str, str]:
    """(key id, key) that signs new events: the newest, i.e. the last one listed."""
    keys = hmac_keys()
    key_id = list(keys)[-1]
    return key_id, keys[key_id]


def canonical(event: AuditEvent) -> bytes:
    """The bytes the HMAC covers: sorted-key, compact JSON, UTC timestamp with microseconds."""
    data: dict[str, Any] = {name: getattr(event, name) for name in HASHED_FIELDS}
    data["occurred_at"] = event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def compute_hash(event: AuditEvent, key: str) -> str:
    return hmac.new(key.encode("utf-8"), canonical(event), hashlib.sha256).hexdigest()


def lock_chain() -> None:
    """Serialise appends until the current transaction ends (PostgreSQL); see the module doc."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def append(event: AuditEvent) -> AuditEvent:
    """Link ``event`` to the chain head, seal it and insert it. Call inside a transaction.

    The timestamp is taken after the lock, so time never runs backwards along the chain.
    """
    lock_chain()
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    event.seq, event.prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    event.occurred_at = timezone.now()
    event.key_id, key = signing_key()
    event.hash = compute_hash(event, key)
    event._sealed_by_chain = True
    event.save()
    return event
