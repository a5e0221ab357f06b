"""The ``changes`` of an audit event: before/after of the changed fields, secrets redacted.

Values are reduced to plain JSON that survives a round trip through
PostgreSQL's jsonb unchanged, because the event's hash is computed before the
row is written and re-computed from what is read back:

* dates, decimals, UUIDs, model instances and anything else become text;
* floats in exponent notation (1e+100) and non-finite floats become text,
  since jsonb would print them differently (or refuse NaN);
* every string is neutralised and truncated (see ``auditlog.sanitize``);
* nesting is bounded, so a pathological value cannot blow up a row.
"""

from __future__ import annotations

import datetime
import math
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from auditlog.sanitize import clean_text

REDACTED = "[REDACTED]"
FIELD_NAME_MAX = 100
VALUE_MAX = 2000
MAX_DEPTH = 6
MAX_ITEMS = 200

# A field is secret when its name contains one of these anywhere ...
_SECRET_FRAGMENTS = ("password", "passwd", "secret", "token", "apikey", "api_key", "privatekey",
                     "private_key", "credential", "signature", "salt", "cookie", "authorization")
# ... or has one of these as a whole word (so "monkey" and "hashtag_count" are not secret,
# but "key", "signing_key", "keyId"... "password_hash" and "otp" are).
_SECRET_WORDS = {"key", "keys", "hash", "pwd", "pin", "otp", "auth", "sessionid", "jwt", "bearer"}
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_secret_field(name: str) -> bool:
    """Does this field name look like it holds a password, key, token or hash?"""
    text = str(name)
    low = text.lower()
    if any(fragment in low for fragment in _SECRET_FRAGMENTS):
        return True
    words = _WORD_SPLIT.split(_CAMEL.sub("_", text).lower())
    return any(word in _SECRET_WORDS for word in words)


def json_safe(value: Any, *, depth: int = 0) -> Any:
    """Plain, bounded JSON that jsonb stores and returns unchanged; secrets in nested keys redacted."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or "e" in repr(value):
            return repr(value)
        return value if value != 0 else 0.0  # jsonb has no negative zero
    if isinstance(value, str):
        return clean_text(value, VALUE_MAX)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if depth >= MAX_DEPTH:
        return clean_text(repr(value), VALUE_MAX)
    if isinstance(value, Mapping):
        result = {}
        for index, (key, item) in enumerate(value.items()):
            if index >= MAX_ITEMS:
                result["…"] = f"{len(value) - MAX_ITEMS} more"
                break
            name = clean_text(key, FIELD_NAME_MAX)
            result[name] = _redact(item) if is_secret_field(name) else json_safe(item, depth=depth + 1)
        return result
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        safe = [json_safe(item, depth=depth + 1) for item in items[:MAX_ITEMS]]
        if len(items) > MAX_ITEMS:
            safe.append(f"… {len(items) - MAX_ITEMS} more")
        return safe
    if hasattr(value, "pk") and hasattr(value, "_meta"):  # a model instance: its key identifies it
        return json_safe(value.pk, depth=depth + 1)
    return clean_text(value, VALUE_MAX)


def _redact(value: Any) -> Any:
    """Hide a secret value but keep the shape: whether it was set, and that it changed."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return [None if v in (None, "") else REDACTED for v in value]
    return None if value in (None, "") else REDACTED


def normalise_changes(changes: Any) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for fields that really changed, redacted and JSON-safe.

    Lenient by design: a malformed argument is kept (under the field name, as
    ``[None, value]``) instead of raising, because a mistake in audit plumbing
    must not fail the user's action.
    """
    if not changes:
        return {}
    if not isinstance(changes, Mapping):
        changes = {"value": [None, changes]}
    result: dict[str, list[Any]] = {}
    for index, (field, pair) in enumerate(changes.items()):
        if index >= MAX_ITEMS:
            result["…"] = [None, f"{len(changes) - MAX_ITEMS} more field(s)"]
            break
        name = clean_text(field, FIELD_NAME_MAX)
        if isinstance(pair, list | tuple) and len(pair) == 2:
            before, after = pair
        else:
            before, after = None, pair
        if is_secret_field(name):
            # Kept even when the caller passes placeholders (it cannot know a hashed
            # password's before/after): mentioning a secret field means it changed.
            result[name] = _redact([before, after])
        elif before != after:  # changed fields only
            result[name] = [json_safe(before, depth=1), json_safe(after, depth=1)]
    return result


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The ``changes`` between two snapshots (dicts of field -> value) of the same object."""
    fields = list(dict.fromkeys([*before, *after]))
    return {f: [before.get(f), after.get(f)] for f in fields if before.get(f) != after.get(f)}
