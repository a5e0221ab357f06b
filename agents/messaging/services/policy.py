"""The delivery knobs (settings.MESSAGING, from the env schema) and the retry backoff."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.conf import settings

from mabos.runtime_settings import RUNTIME_SETTINGS, overrides

DEFAULTS: dict[str, Any] = {
    "BATCH_SIZE": 500, "LEASE_SECONDS": 30.0, "ACK_TIMEOUT_SECONDS": 300.0, "MAX_ATTEMPTS": 8,
    "BACKOFF_BASE_SECONDS": 1.0, "BACKOFF_CAP_SECONDS": 300.0, "SWEEPER_INTERVAL_SECONDS": 5.0,
    "WAKEUP_LINGER_SECONDS": 0.01,
    "MAX_RECIPIENTS": 5000, "MAX_BATCH": 500, "PUBLISH_TIMEOUT_SECONDS": 0.25, "BREAKER_FAIL_MAX": 5,
    "BREAKER_RESET_SECONDS": 10.0,
}

RUNTIME_NAMES = frozenset(s.name for s in RUNTIME_SETTINGS)


def knob(name: str) -> Any:
    """Read per call, so tests (and settings overrides) take effect without a restart.

    A runtime setting (``runtime=True`` in config/env/schema.py, e.g. MESSAGING_MAX_ATTEMPTS) takes an
    administrator's override first: mabos.runtime_settings bounds how soon every process sees it.
    """
    if f"MESSAGING_{name}" in RUNTIME_NAMES:
        found = overrides()
        if f"MESSAGING_{name}" in found:
            return found[f"MESSAGING_{name}"]
    return getattr(settings, "MESSAGING", {}).get(name, DEFAULTS[name])


def backoff(attempts: int, *, rng: random.Random | None = None) -> datetime.timedelta:
    """Delay before the next attempt after ``attempts`` failed ones: exponential, with jitter in its upper half.

    A uniform draw between half the exponential ceiling and the ceiling spreads the
    retries of many deliveries that failed together, so they do not come back as a
    wave, while every retry still waits at least half the nominal delay.
    """
    base, cap = float(knob("BACKOFF_BASE_SECONDS")), float(knob("BACKOFF_CAP_SECONDS"))
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return datetime.timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(knob("LEASE_SECONDS")))


def ack_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(knob("ACK_TIMEOUT_SECONDS")))
