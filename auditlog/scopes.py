"""What the audit list can be narrowed to besides its own columns (an organization), registered by its owner.

An audit event stores its target, not the organization the target belongs to, and auditlog knows nothing of
organizations (it sits below agents). So the agents app registers, from its ``ready()``, how to list the
organizations and how to find one organization's events; the audit list offers one filter per scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q


@dataclass(frozen=True)
class AuditScope:
    parameter: str  # the query parameter of the audit list: ?organization=<id>
    title: str
    choices: Callable[[], list[tuple[str, str]]]  # (value, label), a bounded list
    condition: Callable[[str], Q | None]  # the events of one value over AuditEvent's columns; None: no such value


_SCOPES: dict[str, AuditScope] = {}


def audit_scope_register(scope: AuditScope) -> None:
    _SCOPES[scope.parameter] = scope


def audit_scopes() -> tuple[AuditScope, ...]:
    return tuple(_SCOPES.values())
