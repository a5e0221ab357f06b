"""Consistency checks of plans (``manage.py check_integrity``): what PostgreSQL's triggers hold, on every database."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from agents.reasoning.plans.models import Plan, PlanAdoption
from mabos.integrity import integrity_check


@integrity_check("agents.plan_role_is_template", "A plan's role is a global role template (no organization).")
def plans_of_organization_roles() -> QuerySet[Plan]:
    return Plan.objects.filter(role__isnull=False, role__organization__isnull=False)


@integrity_check("agents.plan_has_current_version", "Every plan has exactly one current version.")
def plans_without_current_version() -> QuerySet[Plan]:
    return Plan.objects.annotate(current=Count("versions", filter=Q(versions__is_current=True))).exclude(current=1)


@integrity_check("agents.planadoption_consistent", "An adopted version is a version of the adoption's plan, and "
                                                   "the plan is its agent's organization's or a role template's.")
def adoptions_inconsistent() -> QuerySet[PlanAdoption]:
    return PlanAdoption.objects.exclude(version__plan=F("plan")) | PlanAdoption.objects.filter(
        plan__organization__isnull=False).exclude(plan__organization=F("agent__organization"))
