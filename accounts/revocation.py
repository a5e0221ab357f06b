"""Access tokens cannot be recalled, so revoked ones are denied until they expire.

A denylist in the shared cache (Redis), with entries that live exactly as
long as an access token can: by ``jti`` (one token, e.g. at logout) and by
``sid`` (every token of one session). Checking costs one round trip.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)

_JTI = "auth:deny:jti:{}"
_SID = "auth:deny:sid:{}"


def _ttl() -> int:
    # One access lifetime plus a margin: after that the token is refused as expired anyway.
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()) + 60


def access_token_deny(jti: str) -> None:
    cache.set(_JTI.format(jti), 1, _ttl())


def sessions_deny(session_ids: list[str]) -> None:
    if session_ids:
        cache.set_many({_SID.format(sid): 1 for sid in session_ids}, _ttl())


def is_denied(token: Any) -> bool:
    keys = [_JTI.format(token.get("jti", "")), _SID.format(token.get("sid", ""))]
    try:
        return bool(cache.get_many(keys))
    except Exception as exc:  # Redis down: an API that needs no Redis must not fail (docs/messaging.md)
        # Logout and session revocation also mark the session in the database, the source of truth;
        # only the per-token denial of a logged-out access token waits for Redis to return.
        logger.warning("revocation cache unavailable (%s); checking the session in the database", exc)
        from accounts.models import UserSession

        try:
            return UserSession.objects.filter(pk=token.get("sid")).exclude(revoked_at=None).exists()
        except (ValueError, ValidationError):
            return True
