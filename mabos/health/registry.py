"""Run the registered components' health checks: concurrently, each bounded by its own timeout.

One hung dependency makes its own check report "timed out" at its deadline;
it cannot hang the endpoint or delay the other checks. Components are declared
in ``mabos.components``; ``health_check`` remains as the short form for a
component that only needs a name and a criticality.

Each process remembers the last error of every component (with when it
happened), so a check that is green again still tells an operator what went
wrong a minute ago.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connections

from mabos.components import CheckFunction, Component, component, registered_components

#: Kept under its first name: start-up waiting and older callers build checks with it.
HealthCheck = Component


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    latency_ms: float
    critical: bool
    error: str = ""
    note: str = ""
    last_error: str = ""
    last_error_at: str = ""

    @property
    def status(self) -> str:
        return "ok" if self.ok else "fail"

    def as_dict(self) -> dict:
        data = {"status": self.status, "latency_ms": round(self.latency_ms, 1), "critical": self.critical}
        if self.error:
            data["error"] = self.error
        if self.note:
            data["note"] = self.note
        if self.last_error:
            data["last_error"] = self.last_error
            data["last_error_at"] = self.last_error_at
        return data


def health_check(name: str, *, critical: bool = True, timeout: float | None = None,
                 metrics: tuple[str, ...] = ()) -> Callable[[CheckFunction], CheckFunction]:
    """Register a component by its check alone (see ``mabos.components.component``)."""
    return component(name, critical=critical, timeout=timeout, metrics=metrics)


def registered_health_checks() -> list[Component]:
    return registered_components()


def describe_error(exc: BaseException) -> str:
    """One short line: enough to act on, never a traceback or a secret-bearing repr."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{exc.__class__.__name__}: {first_line}"[:200]


_last_errors: dict[str, tuple[str, str]] = {}
_last_errors_lock = threading.Lock()


def _remember(result: CheckResult) -> CheckResult:
    """Record a failure, and attach the latest known failure to every result."""
    with _last_errors_lock:
        if not result.ok:
            _last_errors[result.name] = (result.error, datetime.now(UTC).isoformat(timespec="seconds"))
        last = _last_errors.get(result.name)
    if last is None:
        return result
    return CheckResult(result.name, result.ok, result.latency_ms, result.critical, result.error, result.note,
                       last_error=last[0], last_error_at=last[1])


def _timed(check: Component) -> CheckResult:
    started = time.perf_counter()
    try:
        note = check.check()
    except Exception as exc:  # a check reports any failure, it never raises
        return CheckResult(check.name, False, (time.perf_counter() - started) * 1000, check.critical,
                           describe_error(exc))
    finally:
        # Worker threads get their own connections; give them back at once.
        connections.close_all()
    return CheckResult(check.name, True, (time.perf_counter() - started) * 1000, check.critical,
                       note=str(note)[:300] if note else "")


def run_health_checks(checks: list[Component] | None = None, timeout: float | None = None) -> list[CheckResult]:
    """Every check's result, in registration order, after at most the longest timeout.

    ``timeout`` overrides every component's own timeout (tests, tight probes);
    otherwise each component gets its ``timeout`` or ``HEALTH_CHECK_TIMEOUT``.
    """
    checks = registered_components() if checks is None else checks
    default = settings.HEALTH_CHECK_TIMEOUT
    pool = ThreadPoolExecutor(max_workers=max(len(checks), 1), thread_name_prefix="health")
    try:
        started = time.perf_counter()
        futures = [(check, pool.submit(_timed, check)) for check in checks]
        results = []
        for check, future in futures:
            limit = timeout if timeout is not None else check.effective_timeout(default)
            try:
                result = future.result(timeout=max(started + limit - time.perf_counter(), 0))
            except FutureTimeout:
                result = CheckResult(check.name, False, limit * 1000, check.critical, f"timed out after {limit:g}s")
            results.append(_remember(result))
        return results
    finally:
        # A hung check's thread is abandoned, not waited for: its own socket timeout ends it.
        pool.shutdown(wait=False, cancel_futures=True)


def overall_status(results: list[CheckResult]) -> tuple[str, list[str], list[str]]:
    """("ok" | "degraded" | "fail", failing critical names, failing non-critical names)."""
    failing = [r.name for r in results if not r.ok and r.critical]
    degraded = [r.name for r in results if not r.ok and not r.critical]
    return ("fail" if failing else ("degraded" if degraded else "ok")), failing, degraded
