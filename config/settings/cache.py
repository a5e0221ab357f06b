"""CACHES from the configuration: always shared across processes (throttles and lockouts depend on it)."""

from __future__ import annotations

from typing import Any

from config.env import Config

CACHE_TABLE = "mabos_cache"


def cache_settings(config: Config) -> dict[str, Any]:
    """Redis when configured; otherwise a database table every process can see, never LocMem."""
    if config.REDIS_URL:
        timeout = config.HEALTH_CHECK_TIMEOUT
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": config.REDIS_URL,
            "KEY_PREFIX": "mabos",
            # Fail fast rather than hang a request when Redis goes away.
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
