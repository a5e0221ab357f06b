"""Wait for dependencies at start-up, so processes can start in any order."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connections
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential_jitter

from mabos.health.registry import HealthCheck, describe_error


class DependencyTimeout(Exception):
    """A dependency was still unreachable at the deadline."""


def wait_for_dependencies(checks: list[HealthCheck], *, timeout: float,
                          report: Callable[[str], None]) -> None:
    """Retry each check with exponential backoff and jitter until it passes or the shared deadline ends.

    Every failed attempt is reported in one line, so an operator watching the
    logs sees what is being waited for and why.
    """
    deadline = time.monotonic() + timeout
    for check in checks:
        _wait_for_one(check, deadline=deadline, report=report)
        report(f"{check.name}: ready")


def _wait_for_one(check: HealthCheck, *, deadline: float, report: Callable[[str], None]) -> None:
    def attempt() -> None:
        try:
            check.check()
        except Exception:
            connections.close_all()  # never retry on a broken connection object
            raise

    def out_of_time(state: RetryCallState) -> bool:
        return time.monotonic() + (state.upcoming_sleep or 0) >= deadline

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        report(f"{check.name}: attempt {state.attempt_number} failed ({describe_error(exc)}); "
               f"retrying in {state.upcoming_sleep:.1f}s")

    retrying = Retrying(
        stop=out_of_time,
        wait=wait_exponential_jitter(initial=0.25, max=5, jitter=0.5),
        retry=retry_if_exception_type(Exception),
        before_sleep=before_sleep,
        reraise=False,
    )
    try:
        retrying(attempt)
    except Exception as exc:  # tenacity.RetryError wraps the last failure
        last = getattr(exc, "last_attempt", None)
        cause = last.exception() if last is not None else exc
        attempts = last.attempt_number if last is not None else 1
        raise DependencyTimeout(
            f"{check.name} is still unreachable after {attempts} attempt(s): {describe_error(cause)}"
        ) from None
