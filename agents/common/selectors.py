"""What every selector shares: missing and not-allowed look the same (NotFound, a 404)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from mabos.errors import NotFound


def get_visible(qs: QuerySet, what: str, **lookup: Any) -> Any:
    """The one object of ``qs`` (already limited to what the caller may see) matching ``lookup``, else NotFound.

    A malformed id is answered like a missing one, so ids of other tenants and garbage look alike.
    """
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(what) from None
