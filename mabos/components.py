"""The service registry: one place where every component of MABOS declares itself.

A component is something the running system depends on (the database, the
cache, the broker, Celery workers, beat, the audit chain, ...). Each declares

- a ``name`` (what operators see in ``/health/ready/``, ``mabos_status``, the dashboard),
- whether it is ``critical`` (down means "do not send traffic here": readiness answers 503)
  or not (down means "degraded": readiness answers 200 and says so),
- a health ``check`` (raises to fail; may return a short note) bounded by its ``timeout``,
- the ``metrics`` it exports (names as they appear on ``/metrics``), so an operator
  can go from a failing component to the series that explain it.

Apps declare their components where the dependency lives, with the decorator::

    @component("audit_chain", critical=False, metrics=("mabos_audit_chain_ok",),
               description="HMAC hash chain of the audit log, from the latest verification")
    def check_audit_chain() -> str: ...

and import that module from their ``AppConfig.ready()``. The checks are run by
``mabos.health.registry.run_health_checks`` (concurrently, each bounded).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

CheckFunction = Callable[[], "str | None"]


@dataclass(frozen=True)
class Component:
    """One registered component. ``timeout`` None means ``settings.HEALTH_CHECK_TIMEOUT``."""

    name: str
    check: CheckFunction
    critical: bool = True
    timeout: float | None = None
    metrics: tuple[str, ...] = field(default=())
    description: str = ""

    def effective_timeout(self, default: float) -> float:
        return self.timeout if self.timeout is not None else default


_lock = threading.Lock()
_COMPONENTS: dict[str, Component] = {}


def component_register(item: Component) -> Component:
    """Register (or replace, by name) a component; replacing keeps reloads and tests idempotent."""
    with _lock:
        _COMPONENTS[item.name] = item
    return item


def component(name: str, *, critical: bool = True, timeout: float | None = None,
              metrics: tuple[str, ...] = (), description: str = "") -> Callable[[CheckFunction], CheckFunction]:
    """Decorator form of ``component_register`` for a check function."""

    def register(func: CheckFunction) -> CheckFunction:
        component_register(Component(name=name, check=func, critical=critical, timeout=timeout,
                                     metrics=tuple(metrics), description=description or _first_line(func.__doc__)))
        return func

    return register


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def registered_components() -> list[Component]:
    """Every component, in registration order (the platform's own first)."""
    with _lock:
        return list(_COMPONENTS.values())


def component_get(name: str) -> Component:
    with _lock:
        return _COMPONENTS[name]
