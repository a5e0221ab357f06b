"""Throttles in the shared cache (Redis), keyed by the client IP the audit log also records.

Rates come from the env schema (THROTTLE_*_RATE) and are read per request, so
every process agrees and tests can change them.
"""

from __future__ import annotations

import logging

from rest_framework import throttling
from rest_framework.settings import api_settings

from mabos.request_context import client_ip

logger = logging.getLogger(__name__)


class _RatesFromSettings:
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        """Fail open when the cache (Redis) is down: a throttle must not turn a Redis outage into 500s."""
        try:
            return super().allow_request(request, view)
        except Exception as exc:
            logger.warning("throttle cache unavailable (%s); allowing the request", exc)
            return True

    def get_ident(self, request) -> str:
        """The real client behind TRUSTED_PROXY_COUNT proxies, never the proxy itself."""
        return client_ip(request._request if hasattr(request, "_request") else request) or "unknown"


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    """Per authenticated user; anonymous callers fall through to their IP."""


class AnonRateThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    """Per anonymous client IP."""


class AuthRateThrottle(_RatesFromSettings, throttling.SimpleRateThrottle):
    """A strict per-IP budget for the login and refresh endpoints, for users and anonymous alike."""

    scope = "auth"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
