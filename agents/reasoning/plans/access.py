"""Who may write plans: the rule of roles, reused (``agents.organization.access.role_write_require``).

An organization's plan takes ``change`` on the organization (403 if the caller may see it, 404 if not);
a role template's plan is part of the template, so it takes what writing a global template takes
(administrators: ``role_template_allowed``). Reading follows the selectors.
"""

from __future__ import annotations

from typing import Any

from agents.organization.access import role_template_allowed, role_write_require
from agents.reasoning.plans.models import Plan


def plan_write_require(user: Any, *, plan: Plan | None = None, organization: Any = None) -> None:
    """Raise unless ``user`` may write ``plan`` (or a new plan of ``organization``; None: a template's)."""
    if plan is not None:
        organization = plan.organization if plan.organization_id else None
    role_write_require(user, "change", organization=organization)


def template_plans_allowed(user: Any) -> bool:
    return role_template_allowed(user, "change")
