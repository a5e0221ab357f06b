"""Refused credentials: throttled before authentication runs, audited in a bounded way.

DRF authenticates before any throttle runs, and every refused JWT or agent key
used to write an ``auth_failed`` event: an anonymous client could grow the
audit table without bound and queue every audited write behind the chain's
one lock. Now, per client IP and per window of THROTTLE_AUTH_FAILURE_RATE
(e.g. ``20/minute``: N = 20, a window of one minute; an IPv6 client counts by its /64):

* the first N refusals in a window are audited one by one, as before;
* once N are counted, a request from that IP that carries credentials is
  answered 429 before its credentials are even looked at (no database, no
  audit row) until the window ends; those and any refusal that raced past N
  are only counted;
* after the window, one summary ``auth_failed`` event (target ``client_ip``)
  records how many there were (``refusal_summaries_record``, run every minute
  by Celery beat).

Like the throttles, this fails open: without Redis, or while it is down,
every refusal is audited one by one again.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from redis import Redis
from rest_framework.settings import api_settings

from auditlog.actors import Actor
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.request_context import client_ip
from mabos.resilience.redis_clients import fast_redis

logger = logging.getLogger(__name__)

SCOPE = "auth_failure"
PENDING_KEY = "mabos:refusals:pending"  # sorted set: "<duration>:<window>:<ip>" scored by the window's end
_DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def clock() -> float:
    return time.time()


def _redis() -> Redis | None:
    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("RedisCache"):
        return None
    return fast_redis(cache["LOCATION"], cache.get("OPTIONS", {}).get("socket_timeout", 1.0))


def _rate() -> tuple[int, int] | None:
    """(N, window seconds) from the ``auth_failure`` throttle rate, or None when unset."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(SCOPE)
    if not rate:
        return None
    count, period = rate.split("/")
    return int(count), _DURATIONS[period[0]]


def _source(request) -> str:
    """The client IP; for IPv6 its /64, which one subscriber holds whole (else each address would get N)."""
    ip = client_ip(request._request if hasattr(request, "_request") else request) or "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _keys(duration: int, window: int, source: str) -> tuple[str, str, str]:
    member = f"{duration}:{window}:{source}"
    return f"mabos:refusals:count:{member}", f"mabos:refusals:suppressed:{member}", member


def _count_suppressed(client: Redis, duration: int, window: int, source: str) -> None:
    _, suppressed, member = _keys(duration, window, source)
    pipe = client.pipeline(transaction=False)
    pipe.incr(suppressed)
    pipe.expire(suppressed, duration * 10)  # the summary task claims it long before; this only bounds leaks
    pipe.zadd(PENDING_KEY, {member: (window + 1) * duration}, nx=True)
    pipe.execute()


def refusal_wait(request) -> float | None:
    """Seconds until this client may present credentials again, or None if it may now.

    Call before looking at the credentials. A refused request is counted for
    the window's summary; it costs one Redis round trip and no database.
    """
    try:
        client, rate = _redis(), _rate()
        if client is None or rate is None:
            return None
        limit, duration = rate
        now, source = clock(), _source(request)
        window = int(now // duration)
        count, _, _ = _keys(duration, window, source)
        if int(client.get(count) or 0) < limit:
            return None
        _count_suppressed(client, duration, window, source)
        return (window + 1) * duration - now
    except Exception as exc:
        logger.warning("refusal throttle unavailable (%s); allowing the request", exc)
        return None


def refusal_record(request, record: Callable[[], object]) -> bool:
    """Count one refused credential from this client; call ``record`` (its audit event) if within the bound.

    Returns whether ``record`` ran. Concurrent refusals that pass the gate
    together are sorted out here: only the first N of the window are recorded.
    """
    try:
        client, rate = _redis(), _rate()
        if client is None or rate is None:
            record()
            return True
        limit, duration = rate
        window, source = int(clock() // duration), _source(request)
        count, _, _ = _keys(duration, window, source)
        pipe = client.pipeline(transaction=False)
        pipe.incr(count)
        pipe.expire(count, duration * 2)
        seen, _ = pipe.execute()
    except Exception as exc:
        logger.warning("refusal counter unavailable (%s); auditing the refusal", exc)
        record()
        return True
    if seen <= limit:
        record()
        return True
    try:
        _count_suppressed(client, duration, window, source)
    except Exception as exc:
        logger.warning("could not count a suppressed refusal from %s: %s", source, exc)
    return False


def refusal_summaries_record(*, now: float | None = None) -> int:
    """One ``auth_failed`` summary event per client and ended window with throttled or unrecorded refusals.

    Each window's count is claimed with GETDEL, so two runs never record it
    twice; returns the number of summary events written.
    """
    client = _redis()
    if client is None:
        return 0
    now = clock() if now is None else now
    limit = (_rate() or (0, 0))[0]
    written = 0
    for raw in client.zrangebyscore(PENDING_KEY, "-inf", now):
        member = raw.decode()
        duration, window, source = member.split(":", 2)
        _, suppressed_key, _ = _keys(int(duration), int(window), source)
        suppressed = int(client.getdel(suppressed_key) or 0)
        client.zrem(PENDING_KEY, member)
        if suppressed:
            try:
                _summary(source, int(window) * int(duration), int(duration), suppressed, limit)
            except Exception:
                client.incrby(suppressed_key, suppressed)  # put the count back for the next run
                client.zadd(PENDING_KEY, {member: now})
                raise
            written += 1
    return written


def _summary(source: str, start: int, duration: int, suppressed: int, limit: int) -> None:
    def iso(ts: float) -> str:
        return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")

    audit_record(action=Action.AUTH_FAILED, actor=Actor.system("refusal throttle"), target_type="client_ip",
                 target_id=source, target_repr=source, changes={"refusals_not_recorded": [0, suppressed]},
                 note=f"{suppressed} more refused or throttled credential(s) from {source} between {iso(start)} "
                      f"and {iso(start + duration)}, after the first {limit} recorded one by one")
