"""Plans as the caller may see them: those of organizations they may view, and every role template's plans
(everyone signed in may read templates, as ``agents.organization.selectors.role_list``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from agents.common.selectors import get_visible
from agents.organization.access import organizations_for
from agents.reasoning.plans.models import Plan, PlanVersion


def plan_list(*, user: Any) -> QuerySet[Plan]:
    """Each plan with its current version in ``current_versions`` (one more query for a whole page)."""
    visible = organizations_for(user).values("pk")
    current = PlanVersion.objects.filter(is_current=True).select_related("created_by")
    return (Plan.objects.filter(Q(role__isnull=False) | Q(organization_id__in=visible))
            .select_related("organization", "role")
            .prefetch_related(Prefetch("versions", queryset=current, to_attr="current_versions"))
            .order_by("label", "pk"))


def plan_get(*, user: Any, pk: Any) -> Plan:
    return get_visible(plan_list(user=user), "plan", pk=pk)


def plan_versions(*, plan: Plan) -> QuerySet[PlanVersion]:
    """Every version of a plan the caller may already see, newest first."""
    return PlanVersion.objects.filter(plan=plan).select_related("plan", "created_by").order_by("-version")


def current_version(plan: Plan) -> PlanVersion:
    """The current version of a plan from ``plan_list`` (prefetched), or read when the plan came from elsewhere."""
    prefetched = getattr(plan, "current_versions", None)
    if prefetched:
        return prefetched[0]
    return PlanVersion.objects.select_related("created_by").get(plan=plan, is_current=True)
