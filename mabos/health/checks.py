"""The platform's own readiness checks: database, cache and broker."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from mabos.health.registry import health_check


@health_check("database")
def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


@health_check("cache")
def check_cache() -> None:
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("value written to the cache could not be read back")
    cache.delete(key)


@health_check("broker")
def check_broker() -> None:
    from config.celery import app

    url = app.conf.broker_url
    if url.startswith("filesystem"):
        folder = Path(app.conf.broker_transport_options["data_folder_out"])
        if not folder.is_dir():
            raise RuntimeError(f"broker folder {folder} is missing")
        return
    if urlsplit(url).scheme not in ("redis", "rediss"):
        raise RuntimeError("unsupported broker scheme")
    timeout = settings.HEALTH_CHECK_TIMEOUT
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
