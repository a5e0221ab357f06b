"""Wait for an outcome with a deadline instead of sleeping and hoping."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(probe: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1,
               message: str = "condition") -> T:
    """Call ``probe`` until it returns something truthy; fail with the last error at the deadline."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = probe()
            if value:
                return value
        except Exception as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} not reached within {timeout:g}s (last error: {last_error!r})")
        time.sleep(interval)
