"""The fail-fast Redis client that throttles, breakers and wake-ups share."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError

from mabos.resilience.redis_clients import fast_redis


def test_one_client_per_url_and_timeout_shared_by_threads():
    url = settings.CACHES["default"]["LOCATION"]
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(fast_redis(url, 0.3))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in seen}) == 1
    assert fast_redis(url, 0.5) is not seen[0]
    assert seen[0].ping() is True


def test_short_timeouts_and_no_retries():
    client = fast_redis("redis://127.0.0.1:1/0", 0.2)  # nothing listens on port 1
    kwargs = client.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == 0.2
    assert kwargs["retry"]._retries == 0
    with pytest.raises(RedisConnectionError):
        client.ping()
