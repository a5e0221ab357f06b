"""Shared field rules of the agents domain: slugs, bounded JSON, timestamps.

The limits live here once so the database constraints, the service checks and
the API serializers all quote the same numbers.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.db.models.functions import Cast, Concat, Length, Substr
from django.db.models.lookups import LessThanOrEqual

from agents.common.limits import JSON_MAX_CHARS, SLUG_REGEX


def slug_check(field: str, name: str) -> models.CheckConstraint:
    """A slug column holds only lower-case letters, digits and single inner hyphens."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__regex": SLUG_REGEX}), name=name)


def json_size_check(field: str, name: str, max_chars: int = JSON_MAX_CHARS) -> models.CheckConstraint:
    """A JSON column never grows past ``max_chars`` (JSON_MAX_CHARS unless said), whoever writes it."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(Cast(field, output_field=models.TextField())), max_chars),
        name=name,
    )


def uuid_text(field: Any) -> Any:
    """A uuid column (a name or an ``OuterRef``) as the text ``str(uuid)`` gives, with its dashes, to compare
    with ids kept as text (an event's ``args``, an audit event's ``target_id``). PostgreSQL's ``uuid::text``
    has the dashes; SQLite (``make run``'s default) keeps a uuid as 32 hex digits, so the dashes are put in."""
    if connection.vendor != "sqlite":
        return Cast(field, output_field=models.CharField())
    dash = models.Value("-")
    return Concat(Substr(field, 1, 8), dash, Substr(field, 9, 4), dash, Substr(field, 13, 4), dash,
                  Substr(field, 17, 4), dash, Substr(field, 21, 12), output_field=models.CharField())


def not_blank_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=~models.Q(**{field: ""}), name=name)


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
