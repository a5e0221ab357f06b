"""The action worker's knobs (settings.ACTIONS, from the env schema's ACTIONS_* settings) and its back-off."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "MODULES": [], "MAX_ATTEMPTS": 5, "BACKOFF_BASE_SECONDS": 2.0, "BACKOFF_CAP_SECONDS": 300.0,
    "LEASE_SECONDS": 150.0, "SWEEPER_INTERVAL_SECONDS": 10.0, "HTTP_ALLOWED_HOSTS": [],
    "HTTP_TIMEOUT_SECONDS": 10.0, "HTTP_MAX_REPLY_BYTES": 16384, "BREAKER_FAIL_MAX": 5,
    "BREAKER_RESET_SECONDS": 30.0, "LLM_BASE_URL": "", "LLM_API_KEY": None, "LLM_MODEL": "",
    "LLM_TIMEOUT_SECONDS": 60.0, "LLM_MAX_TOKENS": 1024, "LLM_PROMPT_PRICE_PER_1K": 0.0,
    "LLM_COMPLETION_PRICE_PER_1K": 0.0,
}


def knob(name: str) -> Any:
    """Read per call, so a test's settings override takes effect without a restart."""
    return getattr(settings, "ACTIONS", {}).get(name, DEFAULTS[name])


def backoff(attempts: int, *, rng: random.Random | None = None) -> datetime.timedelta:
    """Delay before the next run after ``attempts`` runs: exponential, with jitter in its upper half.

    As for deliveries (``agents.messaging.services.policy.backoff``): requests that failed together (a
    third party down) come back spread out, not as a wave, and each waits at least half its nominal delay.
    """
    base, cap = float(knob("BACKOFF_BASE_SECONDS")), float(knob("BACKOFF_CAP_SECONDS"))
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return datetime.timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(knob("LEASE_SECONDS")))
