"""Shared field rules of the agents domain: slugs, bounded JSON, timestamps.

The limits live here once so the database constraints, the service checks and
the API serializers all quote the same numbers.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Cast, Length
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


def not_blank_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=~models.Q(**{field: ""}), name=name)


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
