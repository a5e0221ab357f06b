"""Circuit breakers whose state every process shares through Redis (pybreaker).

    from mabos.resilience.breakers import breaker
    published = breaker("broker-publish").call(publish, fallback=lambda: False)

A breaker guards a dependency that fails *fast and often* when it is down (the
broker): after ``fail_max`` failures in a row it opens and callers get the
fallback at once, instead of each paying a timeout; after ``reset_timeout``
one trial call decides whether it closes again. State lives in Redis
(``pybreaker.CircuitRedisStorage``), so one web process learning that the
broker is down spares all the others. Without REDIS_URL (development) the
state is per process.

The storage must never be the reason a guarded call fails: when Redis itself
cannot be reached (it usually is the broker that is down), the breaker keeps
counting in process memory until Redis answers again, and the caller only ever
sees its own function's error, ``CircuitBreakerError``, or its fallback.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pybreaker
from django.conf import settings
from redis import Redis, RedisError

from mabos.metrics import BREAKER_STATE, BREAKER_TRANSITIONS
from mabos.resilience.redis_clients import fast_redis

logger = logging.getLogger("mabos.resilience.breakers")

STATE_VALUES = {pybreaker.STATE_CLOSED: 0, pybreaker.STATE_HALF_OPEN: 1, pybreaker.STATE_OPEN: 2}
#: How long a process trusts its own memory after Redis failed, before asking Redis again.
REDIS_RETRY_AFTER = 2.0
#: Socket timeouts of the breaker's own Redis client: reading state must cost far less than the call.
REDIS_TIMEOUT = 0.2
#: While closed, a process re-reads the shared state at most this often: a breaker another process opened
#: is seen within this time, and a guarded call on a hot path (every send's wake-up) costs no Redis
#: round-trip of its own. Open and half-open states are read on every call.
STATE_READ_INTERVAL = 1.0

_lock = threading.Lock()
_breakers: dict[str, Breaker] = {}


def _redis() -> Redis | None:
    url = getattr(settings, "REDIS_URL", None) or settings.MABOS_CONFIG.REDIS_URL
    # No retries: redis-py's default (3, with backoff up to 10 s) would turn a dead Redis into a stall.
    return fast_redis(url, REDIS_TIMEOUT) if url else None


class SharedStorage(pybreaker.CircuitBreakerStorage):
    """Redis-backed state with a per-process memory fallback while Redis is unreachable.

    ``pybreaker.CircuitRedisStorage`` alone answers "closed, no failures" when
    Redis is down, so a breaker guarding Redis would never open; and it logs a
    traceback per call. Here the memory copy keeps counting, and Redis is
    asked again after ``REDIS_RETRY_AFTER`` seconds.
    """

    def __init__(self, name: str, client: Redis | None):
        super().__init__(name)
        self._memory = pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)
        self._client = client
        self._shared: pybreaker.CircuitRedisStorage | None = None
        self._down_until = 0.0
        self._namespace = f"mabos:breaker:{name}"
        self._closed_until = 0.0  # the shared state was "closed" when last read; trusted until then
        self._counter_clean = False  # the shared failure counter is known to be 0 (until the next read)

    def _backend(self) -> pybreaker.CircuitBreakerStorage:
        if self._client is None or time.monotonic() < self._down_until:
            return self._memory
        if self._shared is None:
            try:
                self._shared = pybreaker.CircuitRedisStorage(self._memory.state, self._client,
                                                             namespace=self._namespace)
            except RedisError as exc:
                self._redis_failed(exc)
                return self._memory
        return self._shared

    def _redis_failed(self, exc: Exception) -> None:
        if time.monotonic() >= self._down_until:
            logger.warning("breaker %s: Redis unreachable (%s); using process-local state for %.0fs",
                           self.name, type(exc).__name__, REDIS_RETRY_AFTER)
        self._down_until = time.monotonic() + REDIS_RETRY_AFTER

    def _do(self, read: Callable[[pybreaker.CircuitBreakerStorage], Any],
            write: Callable[[pybreaker.CircuitBreakerStorage], Any] | None = None) -> Any:
        """Run on Redis (mirroring into memory), or on memory alone when Redis fails."""
        backend = self._backend()
        if backend is self._memory:
            return read(self._memory)
        try:
            value = read(_Strict(backend))
        except RedisError as exc:
            self._redis_failed(exc)
            return read(self._memory)
        if write is not None:
            write(self._memory)
        return value

    @property
    def state(self) -> str:
        if time.monotonic() < self._closed_until:
            return pybreaker.STATE_CLOSED
        state = self._do(lambda s: s.state)
        self._remember(state)
        return state

    @state.setter
    def state(self, state: str) -> None:
        self._memory.state = state
        self._do(lambda s: setattr(s, "state", state))
        self._remember(state)

    def _remember(self, state: str) -> None:
        """Trust a closed state for STATE_READ_INTERVAL; anything else is re-read on the next call. Each read
        also forgets that the failure counter was clean, so successes reset other processes' failures."""
        closed = state == pybreaker.STATE_CLOSED and self._backend() is not self._memory
        self._closed_until = time.monotonic() + STATE_READ_INTERVAL if closed else 0.0
        self._counter_clean = False

    def increment_counter(self) -> None:
        self._memory.increment_counter()
        self._counter_clean = False
        self._do(lambda s: s.increment_counter())

    def reset_counter(self) -> None:
        """Every success resets the count of failures in a row; the shared write is skipped while this process
        knows the shared counter is already 0, so a healthy dependency costs no write per call."""
        self._memory.reset_counter()
        if self._counter_clean:
            return
        self._do(lambda s: s.reset_counter())
        self._counter_clean = self._backend() is not self._memory

    def increment_success_counter(self) -> None:
        self._memory.increment_success_counter()
        self._do(lambda s: s.increment_success_counter())

    def reset_success_counter(self) -> None:
        self._memory.reset_success_counter()
        self._do(lambda s: s.reset_success_counter())

    @property
    def counter(self) -> int:
        return self._do(lambda s: s.counter)

    @property
    def success_counter(self) -> int:
        return self._do(lambda s: s.success_counter)

    @property
    def opened_at(self) -> Any:
        return self._do(lambda s: s.opened_at)

    @opened_at.setter
    def opened_at(self, value: Any) -> None:
        self._memory.opened_at = value
        self._do(lambda s: setattr(s, "opened_at", value))


class _Strict:
    """A CircuitRedisStorage whose Redis errors propagate (the original swallows and logs them)."""

    def __init__(self, storage: pybreaker.CircuitRedisStorage):
        object.__setattr__(self, "_storage", storage)

    def _key(self, suffix: str) -> str:
        return self._storage._namespace(suffix)

    @property
    def state(self) -> str:
        raw = self._storage._redis.get(self._key("state"))
        return raw.decode() if raw is not None else pybreaker.STATE_CLOSED

    @state.setter
    def state(self, value: str) -> None:
        self._storage._redis.set(self._key("state"), str(value))

    def increment_counter(self) -> None:
        self._storage._redis.incr(self._key("fail_counter"))

    def reset_counter(self) -> None:
        self._storage._redis.set(self._key("fail_counter"), 0)

    def increment_success_counter(self) -> None:
        self._storage._redis.incr(self._key("success_counter"))

    def reset_success_counter(self) -> None:
        self._storage._redis.set(self._key("success_counter"), 0)

    @property
    def counter(self) -> int:
        return int(self._storage._redis.get(self._key("fail_counter")) or 0)

    @property
    def success_counter(self) -> int:
        return int(self._storage._redis.get(self._key("success_counter")) or 0)

    @property
    def opened_at(self) -> Any:
        raw = self._storage._redis.get(self._key("opened_at"))
        if raw is None:
            return None
        return datetime.datetime.fromtimestamp(float(raw), datetime.UTC)

    @opened_at.setter
    def opened_at(self, value: Any) -> None:
        self._storage._redis.set(self._key("opened_at"), str(value.timestamp()))

    def __setattr__(self, name: str, value: Any) -> None:
        type(self).__dict__[name].__set__(self, value)


class _Listener(pybreaker.CircuitBreakerListener):
    """Log every state change and keep the metrics in step."""

    def state_change(self, cb: pybreaker.CircuitBreaker, old_state: Any, new_state: Any) -> None:
        old = getattr(old_state, "name", old_state)
        new = getattr(new_state, "name", new_state)
        log = logger.warning if new == pybreaker.STATE_OPEN else logger.info
        log("circuit breaker %s: %s -> %s", cb.name, old, new)
        BREAKER_STATE.labels(breaker=cb.name).set(STATE_VALUES.get(new, 0))
        BREAKER_TRANSITIONS.labels(breaker=cb.name, state=new).inc()


class Breaker:
    """A named pybreaker.CircuitBreaker plus ``call(..., fallback=)``."""

    def __init__(self, name: str, *, fail_max: int, reset_timeout: float):
        self.name = name
        self.circuit = pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset_timeout, name=name,
                                                state_storage=SharedStorage(name, _redis()),
                                                listeners=[_Listener()])
        BREAKER_STATE.labels(breaker=name).set(0)

    @property
    def current_state(self) -> str:
        return self.circuit.current_state

    @property
    def fail_counter(self) -> int:
        return self.circuit.fail_counter

    def call(self, func: Callable[..., Any], *args: Any, fallback: Callable[[], Any] | None = None,
             **kwargs: Any) -> Any:
        """``func(*args, **kwargs)`` through the breaker. With ``fallback``, any failure (including an open
        circuit) returns ``fallback()`` instead of raising; without it, the error propagates."""
        try:
            return self.circuit.call(func, *args, **kwargs)
        except Exception as exc:
            if fallback is None:
                raise
            if not isinstance(exc, pybreaker.CircuitBreakerError):
                logger.warning("breaker %s: call failed (%s: %s); using the fallback", self.name,
                               type(exc).__name__, exc)
            return fallback()

    def close(self) -> None:
        """Force the breaker closed (operators, tests)."""
        self.circuit.close()

    def __repr__(self) -> str:
        return f"<Breaker {self.name} {self.current_state}>"


def breaker(name: str, *, fail_max: int = 5, reset_timeout: float = 30) -> Breaker:
    """The process-wide breaker called ``name`` (created on first use with these settings)."""
    with _lock:
        existing = _breakers.get(name)
        if existing is None:
            existing = _breakers[name] = Breaker(name, fail_max=fail_max, reset_timeout=reset_timeout)
        return existing


def all_breakers() -> dict[str, Breaker]:
    """Every breaker this process has created, by name (for /metrics and the admin dashboard)."""
    with _lock:
        return dict(_breakers)
