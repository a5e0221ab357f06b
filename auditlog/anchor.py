"""The chain's head, anchored outside the audit table, so a shortened chain does not verify.

The hash chain proves that no event was changed, removed or inserted *before*
the newest one; it cannot tell that the newest events are gone, nor that the
whole table was emptied (an empty chain is a valid chain). So the head
(``seq`` and ``hash`` of the newest committed event; ``seq`` has no gaps, so
it is also the number of events) is written to Redis after every audited
commit and by every successful verification. ``verify_chain`` compares the
table with it: a head missing from the table is "tail missing".

Why Redis and not another table: whoever can remove audit rows behind the
triggers (the table owner, a database superuser) could rewrite any table in
the same database too. The database credentials do not reach Redis.

The anchor only moves forward (a Lua compare-and-set on ``seq``), so late or
out-of-order commits never pull it back, and it is signed with the audit HMAC
key, so whoever can write to Redis but does not hold the key cannot forge a
head (they can still delete it, which verification reports; docs/audit.md).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from redis import Redis

from auditlog.chain import hmac_keys, signing_key
from mabos.resilience.redis_clients import fast_redis

logger = logging.getLogger(__name__)

ANCHOR_KEY = "mabos:auditlog:head"
#: Seconds a write or read of the anchor may take; an audited write waits at most this long after its commit.
ANCHOR_TIMEOUT = 0.5

# Move the anchor only forward: a commit whose on_commit runs late never overwrites a newer head.
_ADVANCE = """
local current = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if tonumber(ARGV[1]) > current then
    redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'hash', ARGV[2], 'key_id', ARGV[3], 'sig', ARGV[4])
    return 1
end
return 0
"""


class AnchorUnavailable(Exception):
    """The anchor store cannot be reached (or none is configured)."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    signed: bool  # the signature matches under a configured key


def _client() -> Redis:
    url = getattr(settings, "MABOS_CONFIG", None) and settings.MABOS_CONFIG.REDIS_URL
    if not url:
        raise AnchorUnavailable("no REDIS_URL: the chain head is not anchored")
    return fast_redis(url, ANCHOR_TIMEOUT)


def _signature(seq: int, head_hash: str, key: str) -> str:
    message = f"mabos.auditlog.head:{seq}:{head_hash}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def anchor_advance(*, seq: int, head_hash: str) -> bool:
    """Record ``seq``/``head_hash`` as the head unless a newer head is recorded. Never raises.

    Returns True when the anchor moved. A failure is logged and leaves the
    anchor behind; the next audited commit or verification moves it on.
    """
    try:
        key_id, key = signing_key()
        client = _client()
        moved = client.register_script(_ADVANCE)(keys=[ANCHOR_KEY],
                                                  args=[seq, head_hash, key_id, _signature(seq, head_hash, key)])
        return bool(moved)
    except AnchorUnavailable:
        return False
    except Exception as exc:
        logger.warning("could not anchor the audit chain head at seq %s: %s", seq, exc)
        return False


def anchor_read() -> Anchor | None:
    """The recorded head, or None when none is recorded; AnchorUnavailable when the store cannot be read."""
    try:
        data = _client().hgetall(ANCHOR_KEY)
    except AnchorUnavailable:
        raise
    except Exception as exc:
        raise AnchorUnavailable(f"the anchor store cannot be read: {exc}") from exc
    if not data:
        return None
    fields = {k.decode(): v.decode() for k, v in data.items()}
    try:
        seq = int(fields["seq"])
        head_hash, key_id, sig = fields["hash"], fields["key_id"], fields["sig"]
    except (KeyError, ValueError):
        return Anchor(seq=0, hash="", signed=False)
    key = hmac_keys().get(key_id)
    signed = key is not None and hmac.compare_digest(_signature(seq, head_hash, key), sig)
    return Anchor(seq=seq, hash=head_hash, signed=signed)


def anchor_reset() -> None:
    """Forget the recorded head: only after the audit table was deliberately reset (a development database)."""
    _client().delete(ANCHOR_KEY)
