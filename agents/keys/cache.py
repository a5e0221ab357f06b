"""Verified agent keys, remembered per process for AGENT_KEY_CACHE_SECONDS.

An external runtime calls the API with its key on every request, and verifying
it from scratch costs a joined lookup in its own transaction: on the hot path
(``POST messages/``) that was a quarter of the request. A hit here still
recomputes the key's HMAC and compares it in constant time, so the cache can
never accept a key the database would refuse because of its secret; what it
may do is accept a key revoked, or an agent changed, in another process during
the last few seconds (revoking in this process forgets the key at once).
A hit also requires the same client IP as the verification it remembers, so a
key used from a new address always takes the full path (and its audit event).

Entries hold field values, never model instances: every hit builds fresh
objects, so a caller that changes its agent cannot change what other requests see.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models.base import ModelState

from agents.agent.models import Agent
from agents.keys.models import AgentApiKey
from agents.organization.models import Organization

#: Entries beyond this many (distinct keys seen within one TTL) evict the oldest.
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    hash: str
    pepper_id: str
    ip: str
    expires: float
    key: dict[str, Any]
    agent: dict[str, Any]
    organization: dict[str, Any]


_entries: dict[str, _Entry] = {}
_lock = threading.Lock()


def ttl() -> float:
    return float(getattr(settings, "AGENT_KEY_CACHE_SECONDS", 0) or 0)


def _values(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def remember(key: AgentApiKey, ip: str) -> None:
    """Remember a key the database just verified (with its agent and organization loaded)."""
    seconds = ttl()
    if seconds <= 0:
        return
    entry = _Entry(hash=key.hash, pepper_id=key.pepper_id, ip=ip, expires=time.monotonic() + seconds,
                   key=_values(key), agent=_values(key.agent), organization=_values(key.agent.organization))
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.pop(next(iter(_entries)))
        _entries[key.prefix] = entry


def recall(prefix: str, raw_hash: Any, ip: str) -> AgentApiKey | None:
    """The key with this prefix if verified here recently from ``ip`` and ``raw_hash(pepper_id)`` matches."""
    entry = _entries.get(prefix)
    if entry is None or entry.ip != ip:
        return None
    if entry.expires <= time.monotonic():
        forget(prefix)
        return None
    peppers = list(getattr(settings, "AGENT_KEY_PEPPERS", None) or ())
    if not peppers or entry.pepper_id != peppers[-1]:
        return None  # the peppers changed since: the full path rehashes (or refuses) the key
    if not hmac.compare_digest(entry.hash, raw_hash(entry.pepper_id)):
        return None  # not this key's secret: the full path refuses it (and audits the refusal)
    organization = _fresh(Organization, entry.organization)
    agent = _fresh(Agent, entry.agent)
    key = _fresh(AgentApiKey, entry.key)
    agent.organization = organization
    key.agent = agent
    return key


def _fresh(model: type[Any], values: dict[str, Any]) -> Any:
    """A new instance of ``model`` as loaded from the database with these field values.

    What ``Model.from_db`` builds, without ``Model.__init__``'s per-field ``setattr`` and its
    pre/post_init signals (no receiver here): rebuilding three instances on every request was a
    fiftieth of a send. Field values are written to the instance's ``__dict__``, which is where
    ``__init__`` puts them too.
    """
    obj = model.__new__(model)
    obj.__dict__.update(values)
    obj._state = ModelState()
    obj._state.adding, obj._state.db = False, "default"
    return obj


def forget(prefix: str) -> None:
    with _lock:
        _entries.pop(prefix, None)


def clear() -> None:
    """Forget every key (tests, and a pepper change within one process)."""
    with _lock:
        _entries.clear()
