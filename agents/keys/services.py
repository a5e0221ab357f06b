"""Agent API keys: created once and shown once, stored as HMAC-SHA256 with a rotatable pepper.

A key reads ``mabos_ak_<prefix>_<secret>``. The prefix (12 hex digits) is stored
in the clear to find the row; the whole key is hashed with the pepper named by
``pepper_id``. A key hashed with an older pepper is rehashed with the newest on
its next successful use, so retiring a pepper after every key was used loses nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.agent.models import Agent, AgentKind
from agents.common.audit import record, user_of
from agents.common.errors import invalid
from agents.common.limits import LABEL_MAX
from agents.common.validation import check_text
from agents.keys import cache
from agents.keys.models import AgentApiKey
from auditlog.actors import Actor
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.errors import AuthenticationError, Conflict

KEY_PREFIX = "mabos_ak_"
_KEY_FORMAT = re.compile(r"^mabos_ak_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
#: Record last use at most this often per key (unless the IP changes), so reads are not all writes.
LAST_USED_RESOLUTION_SECONDS = 60


def _peppers() -> dict[str, str]:
    peppers = dict(getattr(settings, "AGENT_KEY_PEPPERS", {}) or {})
    if not peppers:
        raise RuntimeError("AGENT_KEY_PEPPERS is empty: agent API keys cannot be hashed")
    return peppers


def key_hash(raw: str, pepper_id: str) -> str:
    pepper = _peppers()[pepper_id]
    return hmac.new(pepper.encode(), raw.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def agent_key_create(*, agent: Agent, by: Any, name: str = "") -> tuple[AgentApiKey, str]:
    """Create a key for an external agent. The raw key is returned once and never stored."""
    if agent.kind != AgentKind.EXTERNAL:
        raise invalid("agent", "Only external agents can hold API keys.")
    name = check_text("name", name, max_length=LABEL_MAX, required=False)
    pepper_id = list(_peppers())[-1]
    while True:
        prefix = secrets.token_hex(6)
        if not AgentApiKey.objects.filter(prefix=prefix).exists():
            break
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = AgentApiKey.objects.create(agent=agent, name=name, prefix=prefix, pepper_id=pepper_id,
                                     hash=key_hash(raw, pepper_id), created_by=user_of(by))
    record(action=Action.CREATE, by=by, target=key, target_repr=f"API key {prefix} of {agent}",
           changes={"agent": [None, str(agent.pk)], "prefix": [None, prefix], "name": [None, name]})
    return key, raw


@transaction.atomic
def agent_key_revoke(*, key: AgentApiKey, by: Any) -> AgentApiKey:
    """Revoke now; other processes that verified the key stop accepting it within AGENT_KEY_CACHE_SECONDS."""
    key = AgentApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise Conflict("This key is already revoked.", code="already_revoked")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    # Forget now, and again once committed: until then the database still says active, so a concurrent
    # request of this process may verify the key and remember it in between.
    cache.forget(key.prefix)
    prefix = key.prefix
    transaction.on_commit(lambda: cache.forget(prefix), robust=True)
    record(action=Action.UPDATE, by=by, target=key, target_repr=f"API key {key.prefix} of {key.agent}",
           changes={"revoked_at": [None, key.revoked_at]}, note="revoked")
    return key


def _refused(reason: str) -> AuthenticationError:
    return AuthenticationError("Invalid agent key.", code="agent_key_invalid", reason=reason)


def agent_key_authenticate(*, raw: str, ip: str | None) -> AgentApiKey:
    """The active key matching ``raw`` (constant-time compare), its use recorded; else AuthenticationError.

    Use from an address the key was not last used from writes an audit event. A
    key verified in this process within AGENT_KEY_CACHE_SECONDS, from the same
    address, is accepted without the database (agents/keys/cache.py).
    """
    match = _KEY_FORMAT.match(raw or "")
    if not match:
        raise _refused("malformed")
    prefix, ip = match.group(1), ip or ""
    cached = cache.recall(prefix, lambda pepper_id: key_hash(raw, pepper_id), ip)
    if cached is not None:
        return cached
    key = _verify(raw, prefix, ip)
    cache.remember(key, ip)
    return key


def agent_key_refusal_record(*, raw: str, reason: str) -> None:
    """Audit one refused agent key: what was presented (its public prefix part only) and why it was refused.

    The door decides whether a refusal is audited one by one or summarised (the
    refusal throttle, mabos.api.refusals); what a refusal event says is decided here.
    """
    audit_record(action=Action.AUTH_FAILED, actor=None, note=f"agent key refused: {reason}",
                 target_type="agents.agentapikey", target_repr=(raw or "")[:21])


@transaction.atomic
def _verify(raw: str, prefix: str, ip: str) -> AgentApiKey:
    key = AgentApiKey.objects.select_related("agent", "agent__organization").filter(prefix=prefix).first()
    if key is None or key.pepper_id not in _peppers():
        key_hash(raw, list(_peppers())[-1])  # same work as a real check: no timing hint
        raise _refused("unknown")
    if not hmac.compare_digest(key.hash, key_hash(raw, key.pepper_id)):
        raise _refused("mismatch")
    if key.revoked_at is not None:
        raise _refused("revoked")
    now = timezone.now()
    previous_ip = key.last_used_ip or None
    updates: dict[str, Any] = {}
    newest = list(_peppers())[-1]
    if key.pepper_id != newest:
        updates.update(pepper_id=newest, hash=key_hash(raw, newest))
    new_ip = ip != key.last_used_ip
    stale = key.last_used_at is None or (now - key.last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS
    if new_ip or stale:
        updates.update(last_used_at=now, last_used_ip=ip)
    if updates:
        AgentApiKey.objects.filter(pk=key.pk).update(**updates)
        for field, value in updates.items():
            setattr(key, field, value)
    if new_ip:
        record(action=Action.UPDATE, by=Actor.for_agent(key.agent), target=key,
               target_repr=f"API key {key.prefix} of {key.agent}", note="used from a new IP address",
               changes={"last_used_ip": [previous_ip, ip]})
    return key
