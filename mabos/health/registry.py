"""Readiness checks: each dependency registers one, and /health/ready/ runs them all.

Checks run concurrently, each bounded by HEALTH_CHECK_TIMEOUT, so one hung
dependency makes the endpoint report a failure instead of hanging it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from django.conf import settings
from django.db import connections


@dataclass(frozen=True)
class HealthCheck:
    name: str
    run: Callable[[], str | None]  # raises on failure; may return a short note for operators
    critical: bool = True


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    latency_ms: float
    critical: bool
    error: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        data = {"status": "ok" if self.ok else "fail", "latency_ms": round(self.latency_ms, 1),
                "critical": self.critical}
        if self.error:
            data["error"] = self.error
        if self.note:
            data["note"] = self.note
        return data


_CHECKS: dict[str, HealthCheck] = {}


def health_check(name: str, *, critical: bool = True) -> Callable[[Callable[[], str | None]], Callable]:
    """Register a readiness check: it raises to fail, and may return a short note when it passes."""

    def register(func: Callable[[], str | None]) -> Callable[[], str | None]:
        _CHECKS[name] = HealthCheck(name=name, run=func, critical=critical)
        return func

    return register


def registered_health_checks() -> list[HealthCheck]:
    return list(_CHECKS.values())


def describe_error(exc: BaseException) -> str:
    """One short line: enough to act on, never a traceback or a secret-bearing repr."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{exc.__class__.__name__}: {first_line}"[:200]


def _timed(check: HealthCheck) -> CheckResult:
    started = time.perf_counter()
    try:
        note = check.run()
    except Exception as exc:  # a check reports any failure, it never raises
        return CheckResult(check.name, False, (time.perf_counter() - started) * 1000, check.critical,
                           describe_error(exc))
    finally:
        # Worker threads get their own connections; give them back at once.
        connections.close_all()
    return CheckResult(check.name, True, (time.perf_counter() - started) * 1000, check.critical,
                       note=str(note)[:200] if note else "")


def run_health_checks(checks: list[HealthCheck] | None = None, timeout: float | None = None) -> list[CheckResult]:
    checks = registered_health_checks() if checks is None else checks
    timeout = settings.HEALTH_CHECK_TIMEOUT if timeout is None else timeout
    pool = ThreadPoolExecutor(max_workers=max(len(checks), 1), thread_name_prefix="health")
    try:
        futures = [(check, pool.submit(_timed, check)) for check in checks]
        deadline = time.perf_counter() + timeout
        results = []
        for check, future in futures:
            try:
                results.append(future.result(timeout=max(deadline - time.perf_counter(), 0)))
            except FutureTimeout:
                results.append(CheckResult(check.name, False, timeout * 1000, check.critical,
                                           f"timed out after {timeout:g}s"))
        return results
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
