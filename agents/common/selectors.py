"""What every selector shares: missing and not-allowed look the same (NotFound, a 404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from agents.common.errors import invalid
from mabos.errors import NotFound


def get_visible(qs: QuerySet, what: str, **lookup: Any) -> Any:
    """The one object of ``qs`` (already limited to what the caller may see) matching ``lookup``, else NotFound.

    A malformed id is answered like a missing one, so ids of other tenants and garbage look alike.
    """
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(what) from None


def resolve(field: str, lookup: Callable[[], Any]) -> Any:
    """An object named in the input; one the caller cannot see is a 400 naming the field (not a 404)."""
    try:
        return lookup()
    except NotFound:
        raise invalid(field, "No such object, or you may not see it.") from None
