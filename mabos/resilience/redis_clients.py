"""Redis clients that fail fast, for calls that have somewhere else to go when Redis is down.

Throttles fail open, the breakers fall back to process memory and a lost wake-up
is made good by the sweeper: none of them may turn a dead or hung Redis into a
stalled request. redis-py's defaults (retries with backoff, no socket timeout)
would, so these clients have short socket timeouts and no retries. One client per
(URL, timeout) per process: a redis-py client is thread-safe and its pool
reconnects after a fork.
"""

from __future__ import annotations

import threading

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

_clients: dict[tuple[str, float], Redis] = {}
_lock = threading.Lock()


def fast_redis(url: str, timeout: float) -> Redis:
    """This process's client for ``url`` whose connects and reads give up after ``timeout`` seconds, once."""
    key = (url, float(timeout))
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                                                        retry=Retry(NoBackoff(), 0))
    return client
