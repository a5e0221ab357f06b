"""Throttles in Redis (or the shared cache), keyed by the client IP the audit log also records.

Rates come from the env schema (THROTTLE_*_RATE) and are read per request, so
every process agrees and tests can change them.

With Redis, a throttle is a sliding-window counter: two counters per caller (this
window and the last), the last one weighted by how much of it still overlaps
the sliding window. One round-trip per request: a small Lua script doing INCR,
EXPIRE and GET (cheaper for the web process to send and read than a pipeline of
the three, which was a twentieth of a message send's CPU), where DRF's own
throttle reads and rewrites a pickled list of timestamps through the cache (two
round-trips and a new client per call, a tenth of a message send).
Without Redis (development) DRF's implementation runs on the database cache.
"""

from __future__ import annotations

import hashlib
import logging
import math
from typing import Any

from django.conf import settings
from redis import Redis
from redis.exceptions import NoScriptError
from rest_framework import throttling
from rest_framework.settings import api_settings

from mabos.request_context import client_ip
from mabos.resilience.redis_clients import fast_redis

logger = logging.getLogger(__name__)

#: KEYS: this window's counter, the previous window's. ARGV: the counter's lifetime in seconds.
#: Returns {this window's count after the increment, the previous window's count}.
_COUNT = """
local current = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return {current, tonumber(redis.call('GET', KEYS[2]) or '0')}
"""
_COUNT_SHA = hashlib.sha1(_COUNT.encode()).hexdigest()  # noqa: S324 (Redis names scripts by SHA-1)


def _count(client: Redis, current_key: str, previous_key: str, ttl: int) -> tuple[int, int]:
    """INCR and EXPIRE this window's counter and read the previous one, in one round-trip."""
    try:
        current, previous = client.evalsha(_COUNT_SHA, 2, current_key, previous_key, ttl)
    except NoScriptError:  # a restarted (or flushed) Redis: EVAL loads the script again
        current, previous = client.eval(_COUNT, 2, current_key, previous_key, ttl)
    return int(current), int(previous)

def _redis() -> Redis | None:
    """This process's fail-fast client for the cache's Redis (None when the cache is not Redis)."""
    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("RedisCache"):
        return None
    return fast_redis(cache["LOCATION"], cache.get("OPTIONS", {}).get("socket_timeout", 1.0))


def window_wait(*, limit: int, duration: float, elapsed: float, previous: int, current: int) -> float:
    """Seconds until one more request fits: the sliding estimate ``previous * (1 - f) + current`` must drop to
    ``limit - 1``, within this window (the previous count fading) or the next (this one fading)."""
    room = limit - 1 - current
    if room >= 0 and previous > 0:
        fraction = 1 - room / previous
        return max(0.0, fraction * duration - elapsed)
    if room >= 0:
        return 0.0
    fraction = max(0.0, 1 - (limit - 1) / current) if current else 0.0
    return duration - elapsed + fraction * duration


class _RatesFromSettings:
    _wait: float | None = None  # set when the Redis throttle refuses: seconds until one more request fits

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        """Fail open when Redis (or the cache) is down: a throttle must not turn a Redis outage into 500s."""
        try:
            client = _redis()
            if client is None or self.rate is None:
                return super().allow_request(request, view)
            self.key = self.get_cache_key(request, view)
            return True if self.key is None else self._allow_sliding(client)
        except Exception as exc:
            logger.warning("throttle store unavailable (%s); allowing the request", exc)
            return True

    def _allow_sliding(self, client: Redis) -> bool:
        now = self.timer()
        window = int(now // self.duration)
        current_key, previous_key = f"mabos:throttle:{self.key}:{window}", f"mabos:throttle:{self.key}:{window - 1}"
        current, previous = _count(client, current_key, previous_key, int(self.duration) * 2)
        elapsed = now - window * self.duration
        estimate = previous * (1 - elapsed / self.duration) + current
        if estimate <= self.num_requests:
            return True
        client.decr(current_key)  # a refused request does not use up the budget (as with DRF's throttles)
        self._wait = window_wait(limit=self.num_requests, duration=self.duration, elapsed=elapsed,
                                 previous=previous, current=current - 1)
        return False

    def wait(self) -> Any:
        if self._wait is not None:
            return max(1, math.ceil(self._wait))
        return super().wait()

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
