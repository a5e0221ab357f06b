"""Reads of learning that depend on who asks: selection policies, a group's sharing switch, a plan's stats.

Policies are the organization's: a caller sees those of organizations they may view; missing and not-allowed
are both a 404. ``plan_learning`` takes a plan the caller was already allowed to see (``plan_get``) and reads
what learning knows of it in a fixed number of queries, whatever the number of rows: a role template's plan
is used in many organizations, so its statistics, outcomes and choices are limited to the organizations the
caller may view.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Count, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDay, TruncHour
from django.utils import timezone

from agents.agent.models import Agent, AgentGroup
from agents.common.selectors import get_visible
from agents.learning.models import GroupLearning, PlanOutcome, PlanStats, Scope, SelectionPolicy
from agents.learning.selection import default_policy
from agents.organization.access import organizations_for
from agents.organization.models import AgentRole, Organization
from agents.reasoning.plans.models import Plan
from agents.reasoning.plans.selectors import current_version
from agents.reasoning.trace.models import CycleTrace

#: How many statistics rows a plan's stats show at most (``scopes_truncated`` says when there were more).
STATS_ROWS = 500
#: How many of a role template plan's organizations get their policy listed.
POLICY_ORGANIZATIONS = 100
#: How many of the latest cycle traces that chose the plan its stats show.
RECENT_CHOICES = 10

BUCKETS = {"hour": (TruncHour, datetime.timedelta(hours=1)), "day": (TruncDay, datetime.timedelta(days=1))}
#: Broad to narrow, the order the scopes are listed in.
SCOPE_ORDER = (Scope.ORGANIZATION, Scope.ROLE, Scope.GROUP, Scope.AGENT)


def selection_policy_list(*, user: Any) -> QuerySet[SelectionPolicy]:
    """The selection policies of organizations ``user`` may view: per organization, its default first."""
    return (SelectionPolicy.objects.filter(organization_id__in=organizations_for(user).values("pk"))
            .select_related("organization").order_by("organization__name", "organization_id", "trigger_kind",
                                                      "trigger_name", "id"))


def selection_policy_get(*, user: Any, pk: Any) -> SelectionPolicy:
    return get_visible(selection_policy_list(user=user), "selection policy", pk=pk)


def group_sharing(*, group: AgentGroup) -> bool:
    """Whether a group (one the caller may see) pools its experience: without a switch row, it does."""
    return GroupLearning.objects.filter(group=group).values_list("sharing", flat=True).first() is not False


@dataclass(frozen=True)
class AppliedPolicy:
    """The policy that chooses among a trigger's plans in one organization, and where it comes from:
    ``trigger`` (a policy for that trigger), ``organization`` (its default) or ``default`` (the setting)."""

    organization: Organization
    policy: str
    shared_weight: float
    source: str
    selection_policy: Any  # its id, None for the setting's default


def policies_applied(*, organizations: list[Organization], kind: str, name: str) -> list[AppliedPolicy]:
    """What ``learning.selection`` would apply to a plan triggered by (kind, name) in each organization (one
    query): the trigger's own policy, else the organization's default, else ``LEARNING["DEFAULT_POLICY"]``."""
    if not organizations:
        return []
    rows = {(row.organization_id, row.trigger_kind): row for row in SelectionPolicy.objects.filter(
        Q(trigger_kind=kind, trigger_name=name) | Q(trigger_kind="", trigger_name=""),
        organization_id__in=[org.pk for org in organizations])}
    applied = []
    for org in organizations:
        row, source = rows.get((org.pk, kind)), "trigger"
        if row is None:
            row, source = rows.get((org.pk, "")), "organization"
        if row is None:
            policy, weight = default_policy()
            applied.append(AppliedPolicy(org, policy, weight, "default", None))
        else:
            applied.append(AppliedPolicy(org, row.policy, row.shared_weight, source, row.pk))
    return applied


def _name_of_scope() -> Coalesce:
    """The name of a statistics row's agent, group, role or organization, read in the same query."""
    def name(model: Any) -> Subquery:
        return Subquery(model.objects.filter(pk=OuterRef("scope_id")).values("name")[:1])

    return Coalesce(Case(When(scope=Scope.AGENT, then=name(Agent)), When(scope=Scope.GROUP, then=name(AgentGroup)),
                           When(scope=Scope.ROLE, then=name(AgentRole)),
                           When(scope=Scope.ORGANIZATION, then=name(Organization)), output_field=CharField()),
                    Value(""))


def _mine(qs: QuerySet, *, user: Any, plan: Plan, field: str = "organization_id") -> QuerySet:
    """Rows of an organization's plan are all its own; a template's, only those of organizations ``user`` views."""
    if plan.organization_id:
        return qs.filter(**{field: plan.organization_id})
    return qs.filter(**{f"{field}__in": organizations_for(user).values("pk")})


def plan_stats_rows(*, user: Any, plan: Plan, scope: str | None = None) -> list[PlanStats]:
    """The plan's statistics rows (at most ``STATS_ROWS`` + 1: one more says there are more), broad scopes
    first, the most tried first within a scope; each with its ``scope_name``. One query."""
    order = Case(*(When(scope=value, then=Value(index)) for index, value in enumerate(SCOPE_ORDER)))
    qs = _mine(PlanStats.objects.filter(plan=plan), user=user, plan=plan)
    if scope:
        qs = qs.filter(scope=scope)
    return list(qs.annotate(scope_name=_name_of_scope(), scope_order=order)
                .order_by("scope_order", "-count", "scope_id", "context_key")[:STATS_ROWS + 1])


def series_window(*, bucket: str, days: int, now: datetime.datetime | None = None) -> list[datetime.datetime]:
    """The starts of the buckets of the last ``days`` (UTC): ``days`` x 24 hours, or ``days`` days."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    step = BUCKETS[bucket][1]
    last = now.replace(minute=0, second=0, microsecond=0)
    if bucket == "day":
        last = last.replace(hour=0)
    buckets = days * 24 if bucket == "hour" else days
    return [last - step * (buckets - 1 - index) for index in range(buckets)]


def plan_success_series(*, user: Any, plan: Plan, bucket: str = "hour", days: int = 1,
                        now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """Outcomes of the plan per bucket of the window, every bucket listed (an empty one has rate null). One
    query (planoutcome_plan_time_idx)."""
    starts = series_window(bucket=bucket, days=days, now=now)
    trunc = BUCKETS[bucket][0]
    rows = (_mine(PlanOutcome.objects.filter(plan=plan, created_at__gte=starts[0]), user=user, plan=plan)
            .annotate(start=trunc("created_at", tzinfo=datetime.UTC)).values("start")
            .annotate(count=Count("id"), successes=Count("id", filter=Q(success=True))).order_by("start"))
    counted = {row["start"]: (row["count"], row["successes"]) for row in rows}
    series = []
    for start in starts:
        count, successes = counted.get(start, (0, 0))
        series.append({"start": start, "count": count, "successes": successes,
                       "rate": successes / count if count else None})
    return series


def plan_recent_choices(*, user: Any, plan: Plan, limit: int = RECENT_CHOICES) -> list[CycleTrace]:
    """The latest cycles whose root choice was this plan (``choice->>'plan'``), newest first, with their
    agent. One query. No index serves the JSON lookup: PostgreSQL walks the traces newest first until it has
    ``limit`` of them, which the trace retention keeps bounded."""
    qs = CycleTrace.objects.filter(choice__plan=str(plan.pk))
    return list(_mine(qs, user=user, plan=plan, field="agent__organization_id").select_related("agent")
                .order_by("-id")[:limit])


def plan_policy_organizations(*, user: Any, plan: Plan) -> list[Organization]:
    """The organizations whose policy applies to the plan: its own; for a role template's plan, those the
    caller may view whose agents have statistics of it (at most ``POLICY_ORGANIZATIONS``, one query)."""
    if plan.organization_id:
        return [plan.organization]
    used = PlanStats.objects.filter(plan=plan).values("organization_id")
    return list(organizations_for(user).filter(pk__in=used).order_by("name", "pk")[:POLICY_ORGANIZATIONS])


def plan_learning(*, user: Any, plan: Plan, scope: str | None = None, bucket: str = "hour", days: int = 1,
                  now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything learning knows of a plan ``user`` may see (``plan_get``): the policy that chooses it, its
    statistics per scope, its success rate over time, the latest choices of it. At most five queries."""
    version = current_version(plan)
    applied = policies_applied(organizations=plan_policy_organizations(user=user, plan=plan),
                               kind=version.trigger_kind, name=version.trigger_name)
    rows = plan_stats_rows(user=user, plan=plan, scope=scope)
    return {
        "plan": plan,
        "version": version,
        "policy": applied[0] if plan.organization_id else None,
        "policies": applied,
        "scopes": rows[:STATS_ROWS],
        "scopes_truncated": len(rows) > STATS_ROWS,
        "bucket": bucket,
        "days": days,
        "series": plan_success_series(user=user, plan=plan, bucket=bucket, days=days, now=now),
        "recent_choices": plan_recent_choices(user=user, plan=plan),
    }
