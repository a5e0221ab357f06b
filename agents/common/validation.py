"""Rules the services check before writing, quoting the same limits as the database constraints."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.utils.text import slugify

from agents.common.errors import invalid
from agents.common.limits import BELIEF_KEY_MAX, BELIEF_KEY_REGEX, JSON_MAX_CHARS, NAME_MAX, SLUG_MAX, SLUG_REGEX
from mabos import storable

_SLUG = re.compile(SLUG_REGEX)
_BELIEF_KEY = re.compile(BELIEF_KEY_REGEX)


def json_size(value: Any, *, field: str = "") -> int:
    """Characters of ``value::text`` once stored as jsonb: what the database's size constraints measure."""
    return storable.jsonb_size(value, path=field)


def check_json(field: str, value: Any, *, max_chars: int = JSON_MAX_CHARS) -> Any:
    """The one JSON rule of every JSON column and message content.

    Refuse what is not strict JSON (no NaN, bytes, sets or objects), what PostgreSQL
    could not store (a NUL, a lone surrogate, nesting past ``storable.MAX_JSON_DEPTH``),
    and what is larger than ``max_chars`` as the database prints it (``value::text``,
    what the size constraints of ``common.models.json_size_check`` measure), naming
    the field or the path inside it (``config.model``).
    """
    try:
        size = json_size(value, field=field)
    except storable.Unstorable as exc:
        raise invalid(exc.path or field, exc.message) from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise invalid(field, f"Not a JSON value: {exc}.") from None
    if size > max_chars:
        raise invalid(field, f"Too large: {size} characters as JSON; the limit is {max_chars}.")
    return value


def check_slug(field: str, value: str) -> str:
    if not value or len(value) > SLUG_MAX or not _SLUG.match(value):
        raise invalid(field, "Use lower-case letters, digits and single hyphens (like 'online-shop'), "
                             f"at most {SLUG_MAX} characters.")
    return value


def check_text(field: str, value: str, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    problem = storable.text_problem(value)
    if problem:
        raise invalid(field, problem)
    if required and not value:
        raise invalid(field, "This field may not be blank.")
    if len(value) > max_length:
        raise invalid(field, f"At most {max_length} characters.")
    return value


def check_belief_key(field: str, value: str) -> str:
    if not isinstance(value, str) or not _BELIEF_KEY.match(value):
        raise invalid(field, "Use letters, digits and _ . : - (starting with a letter, digit or _), "
                             f"at most {BELIEF_KEY_MAX} characters.")
    return value


def check_confidence(field: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise invalid(field, "Must be a number between 0 and 1.") from None
    if not 0.0 <= number <= 1.0:  # also refuses NaN
        raise invalid(field, "Must be between 0 and 1.")
    return number


def slug_from(name: str) -> str:
    """A valid slug derived from a name (never empty)."""
    slug = re.sub(r"-{2,}", "-", slugify(name).replace("_", "-")).strip("-")[:SLUG_MAX].strip("-")
    return slug or "item"


def parse_uuid(value: Any) -> uuid.UUID | None:
    """The one UUID parser: ``value`` as a UUID (a UUID, or its text in any form Python accepts), else None."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def check_uuid(field: str, value: Any) -> uuid.UUID:
    """``value`` as a UUID, or a 400 naming ``field``."""
    parsed = parse_uuid(value)
    if parsed is None:
        raise invalid(field, f"{value!r} is not a valid id.")
    return parsed


def check_json_object(field: str, value: Any) -> dict[str, Any]:
    """A free-form JSON object (an agent's config, an organization's profile) under the one JSON rule."""
    if not isinstance(value, dict):
        raise invalid(field, "Must be a JSON object.")
    return check_json(field, value)


def clean_named(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with the name and slug every named object has checked (where present)."""
    out = dict(data)
    if "name" in out:
        out["name"] = check_text("name", out["name"], max_length=NAME_MAX)
    if "slug" in out:
        out["slug"] = check_slug("slug", out["slug"])
    return out


def check_changeable(changes: dict[str, Any], allowed: Any) -> None:
    """An update names only fields it may change; the first other one (in name order) is a 400 naming it."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise invalid(sorted(unknown)[0], "This field cannot be changed.")
