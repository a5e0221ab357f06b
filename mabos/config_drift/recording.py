"""Deploy-time drift: a process that starts records what changed in its configuration since the last one.

Configuration comes from the environment, so a rotated SECRET_KEY or a raised
retry limit would otherwise leave no trace. Each process (web, worker, beat,
the management commands that change data) computes a fingerprint of the
effective configuration and compares it with the one recorded last; a
difference writes one ``config_changed`` audit event and becomes the new
record. The comparison runs under the audit chain's lock, so however many
processes start at once after a deploy, the first records the change and the
others find nothing left to record.

Secrets are never stored: each is an HMAC under a random salt kept with the
fingerprint, so the event can say "rotated", "added" or "removed" (per key id
for key rings) and nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import socket
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from auditlog.actors import Actor
from auditlog.chain import lock_chain
from auditlog.models import Action
from auditlog.services import audit_record
from config.env import SCHEMA, SCHEMA_BY_NAME, Config
from mabos.models import ConfigFingerprint

logger = logging.getLogger("mabos.config_drift")  # its name before the package: log filters keep working

FINGERPRINT_KEY = "deploy"
#: Settings that legitimately differ between the processes of one deployment (or only switch this check): not drift.
PER_PROCESS = frozenset({"MABOS_PROCESS_ROLE", "CONFIG_DRIFT_AUDIT"})


def _keyed(salt: str, value: Any) -> str:
    return hmac.new(salt.encode(), str(value).encode("utf-8"), hashlib.sha256).hexdigest()


def fingerprint(config: Config, *, salt: str) -> dict[str, Any]:
    """Non-secret values as they are; a secret as its keyed hash, a key ring as {id: keyed hash}."""
    result: dict[str, Any] = {}
    for s in SCHEMA:
        if s.name in PER_PROCESS:
            continue
        value = config.values.get(s.name)
        if not s.secret or value in (None, "", [], {}):
            result[s.name] = None if s.secret else value
        elif s.cast == "dict":
            result[s.name] = {key_id: _keyed(salt, key) for key_id, key in value.items()}
        elif s.cast == "list":
            result[s.name] = sorted(_keyed(salt, item) for item in value)
        else:
            result[s.name] = _keyed(salt, value)
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Audit ``changes``: ``{NAME: [before, after]}`` for non-secrets, and for secrets the names
    (``NAME`` or ``NAME[key id]``) under ``rotated`` / ``added`` / ``removed``."""
    changes: dict[str, list[Any]] = {}
    verdicts: dict[str, list[str]] = {"rotated": [], "added": [], "removed": []}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        setting = SCHEMA_BY_NAME.get(name)
        if setting is None or not setting.secret:
            changes[name] = [old, new]
        elif isinstance(old, dict) or isinstance(new, dict):
            old, new = old or {}, new or {}
            for key_id in sorted(set(old) | set(new)):
                if key_id not in old:
                    verdicts["added"].append(f"{name}[{key_id}]")
                elif key_id not in new:
                    verdicts["removed"].append(f"{name}[{key_id}]")
                elif old[key_id] != new[key_id]:
                    verdicts["rotated"].append(f"{name}[{key_id}]")
        elif not old:
            verdicts["added"].append(name)
        elif not new:
            verdicts["removed"].append(name)
        else:
            verdicts["rotated"].append(name)
    for verdict, names in verdicts.items():
        if names:
            changes[verdict] = [None, names]
    return changes


def process_description(role: str) -> str:
    return f"host={socket.gethostname()} role={role} pid={os.getpid()}"


@transaction.atomic
def config_drift_record(*, config: Config, role: str) -> bool:
    """Compare the effective configuration with the last recorded one; audit and store a difference.

    Returns whether an event was written. The chain lock is taken first, so the
    read, the event and the new record are one step for concurrent starters.
    """
    lock_chain()
    row = ConfigFingerprint.objects.select_for_update().filter(key=FINGERPRINT_KEY).first()
    who = process_description(role)
    if row is None:
        row = ConfigFingerprint(key=FINGERPRINT_KEY, salt=secrets.token_hex(32))
        current = fingerprint(config, salt=row.salt)
        changes: dict[str, list[Any]] = {}
        note = f"configuration first recorded ({who})"
    else:
        current = fingerprint(config, salt=row.salt)
        changes = diff(row.values, current)
        if not changes:
            return False
        note = f"configuration changed since the last process start ({who})"
    audit_record(action=Action.CONFIG_CHANGED, actor=Actor.system(), target_type="config",
                 target_id=FINGERPRINT_KEY, target_repr="deploy-time configuration", changes=changes, note=note)
    row.values, row.recorded_by = current, who[:200]
    row.save()
    return True


def record_at_start(role: str) -> None:
    """Entry points call this once; a database not reachable or not migrated yet must not stop a start."""
    if not settings.MABOS_CONFIG.CONFIG_DRIFT_AUDIT:
        return
    try:
        wrote = config_drift_record(config=settings.MABOS_CONFIG, role=role)
        logger.info("configuration drift checked at %s start: %s", role, "recorded" if wrote else "unchanged")
    except DatabaseError as exc:
        logger.warning("configuration drift not recorded at %s start: %s", role, exc)
    finally:
        # The start-up thread serves no requests: give its connection back (to the pool, for the web)
        # rather than hold one for the life of the process.
        connection.close()
