"""What operators read about a plan's learning (the plan's admin page, the dashboard): pure reads, dataclasses.

Every read is limited to the organizations the viewer may view (``organizations_for``, a subquery), and
costs a fixed number of queries whatever the number of outcomes:

- ``success_series``: the plan's success rate per hour over the last 24 hours, for the organization (all its
  agents) and for each group whose members ran it (two GROUP BY queries over ``planoutcome_plan_time_idx``);
- ``stats_by_scope``: the plan's statistics per scope, each named (one query, then one per scope kind shown);
- ``policy_in_force``: the selection policy the cycle applies to the plan's trigger (one query);
- ``recent_choices``: the last root choices of the plan in the cycle traces, with their sampled scores;
- ``plans_last_day``: the most and least successful plans of the last 24 hours (two queries).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, TruncHour
from django.utils import timezone

from agents.agent.models import Agent, AgentGroup
from agents.learning.models import PlanOutcome, PlanStats, Scope, SelectionPolicy
from agents.organization.access import organizations_for
from agents.organization.models import AgentRole, Organization
from agents.reasoning.plans.models import Plan
from agents.reasoning.trace.models import CycleTrace

#: The chart's buckets: one per hour, the last 24 (the current hour included).
HOURS = 24
#: At most this many group lines: beyond it the chart is unreadable (the groups with the most outcomes).
GROUPS_MAX = 6
#: Statistics rows shown per scope (the ones with the most outcomes).
STATS_PER_SCOPE = 50
CHOICES = 10
#: A plan enters the dashboard's lists with at least this many outcomes in the last day.
DASHBOARD_MIN_OUTCOMES = 3
DASHBOARD_TOP = 5


@dataclass(frozen=True)
class Point:
    hour: datetime.datetime
    count: int
    successes: int

    @property
    def rate(self) -> float:
        return self.successes / self.count


@dataclass(frozen=True)
class Series:
    """One line of the chart: ``kind`` organization or group, its name, the hours that have outcomes."""

    kind: str
    name: str
    points: list[Point]


@dataclass(frozen=True)
class Chart:
    start: datetime.datetime
    hours: int
    series: list[Series]


@dataclass(frozen=True)
class ScopeRow:
    scope: str
    scope_id: Any
    name: str
    #: The situation in words: the role by name, then the plan's declared features (the organization is the
    #: plan's or the scope's own, so not repeated).
    situation: str
    count: int
    successes: int
    weight_success: float
    weight_failure: float

    @property
    def rate(self) -> float | None:
        return self.successes / self.count if self.count else None


@dataclass(frozen=True)
class PolicyInForce:
    """What the cycle applies: ``source`` is "trigger", "organization" or "settings" (no row applies)."""

    policy: str
    shared_weight: float
    source: str
    row: SelectionPolicy | None
    trigger_kind: str
    trigger_name: str


@dataclass(frozen=True)
class Choice:
    agent: Agent
    at: datetime.datetime
    cycle: int
    policy: str
    why: str
    scores: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class PlanRate:
    plan_id: Any
    label: str
    count: int
    successes: int

    @property
    def rate(self) -> float:
        return self.successes / self.count


def _visible(user: Any) -> QuerySet[Organization]:
    return organizations_for(user).values("pk")


def _outcomes(plan: Plan, user: Any, start: datetime.datetime) -> QuerySet[PlanOutcome]:
    return PlanOutcome.objects.filter(plan=plan, created_at__gte=start, organization_id__in=_visible(user))


def success_series(*, plan: Plan, user: Any, now: datetime.datetime | None = None) -> Chart:
    """The plan's success rate per hour (UTC) over the last day: the organization's line (every agent that ran
    it), then one line per group with outcomes, the busiest first. Hours without outcomes have no point."""
    now = now or timezone.now()
    start = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=HOURS - 1)
    won = Count("id", filter=Q(success=True))
    base = _outcomes(plan, user, start).annotate(hour=TruncHour("created_at"))
    overall = [Point(row["hour"], row["n"], row["s"]) for row in
               base.values("hour").annotate(n=Count("id"), s=won).order_by("hour")]
    series = []
    if overall:
        name = f"organization {plan.organization.name}" if plan.organization_id else "every organization you see"
        series.append(Series("organization", name, overall))
    by_group: dict[Any, tuple[str, list[Point]]] = {}
    rows = (base.filter(agent__memberships__isnull=False)
            .values("hour", group=F("agent__memberships__group_id"), group_name=F("agent__memberships__group__name"))
            .annotate(n=Count("id"), s=won).order_by("group", "hour"))
    for row in rows:
        by_group.setdefault(row["group"], (row["group_name"], []))[1].append(Point(row["hour"], row["n"], row["s"]))
    busiest = sorted(by_group.values(), key=lambda item: (-sum(p.count for p in item[1]), item[0]))[:GROUPS_MAX]
    series.extend(Series("group", f"group {name}", points) for name, points in busiest)
    return Chart(start=start, hours=HOURS, series=series)


_NAMED = {Scope.AGENT: Agent, Scope.GROUP: AgentGroup, Scope.ROLE: AgentRole, Scope.ORGANIZATION: Organization}


def stats_by_scope(*, plan: Plan, user: Any) -> dict[str, list[ScopeRow]]:
    """The plan's statistics, per scope in the order agent, group, role, organization; each row named."""
    rows = list(PlanStats.objects.filter(plan=plan, organization_id__in=_visible(user)).order_by("scope", "-count",
                                                                                                "scope_id"))
    roles = dict(AgentRole.objects.filter(pk__in={row.context.get("role") for row in rows if row.context.get("role")})
                 .values_list("pk", "name")) if rows else {}
    out: dict[str, list[ScopeRow]] = {}
    for scope, model in _NAMED.items():
        mine = [row for row in rows if row.scope == scope][:STATS_PER_SCOPE]
        if not mine:
            continue
        names = dict(model.objects.filter(pk__in={row.scope_id for row in mine}).values_list("pk", "name"))
        out[scope] = [ScopeRow(scope, row.scope_id, names.get(row.scope_id, f"(gone) {row.scope_id}"),
                               _situation(row.context, roles), row.count, row.successes, row.weight_success,
                               row.weight_failure)
                      for row in mine]
    return out


def _situation(context: dict[str, Any], roles: dict[Any, str]) -> str:
    role = context.get("role")
    words = [f"role {roles.get(_uuid(role), role)}" if role else "no role"]
    words += [f"{name}={value}" for name, value in sorted(context.items()) if name not in ("organization", "role")]
    return ", ".join(words)


def _uuid(value: Any) -> Any:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return value


def policy_in_force(*, plan: Plan, trigger_kind: str, trigger_name: str) -> PolicyInForce | None:
    """The trigger's own row, else the organization's default, else settings.LEARNING["DEFAULT_POLICY"]: the
    order the cycle reads them in (learning/selection.py). None for a template plan (no organization: each
    agent's organization decides)."""
    if plan.organization_id is None:
        return None
    rows = {(row.trigger_kind, row.trigger_name): row for row in SelectionPolicy.objects.filter(
        Q(trigger_kind="", trigger_name="") | Q(trigger_kind=trigger_kind, trigger_name=trigger_name),
        organization_id=plan.organization_id)}
    for key, source in (((trigger_kind, trigger_name), "trigger"), (("", ""), "organization")):
        if key in rows:
            row = rows[key]
            return PolicyInForce(row.policy, row.shared_weight, source, row, trigger_kind, trigger_name)
    return PolicyInForce(settings.LEARNING["DEFAULT_POLICY"], 1.0, "settings", None, trigger_kind, trigger_name)


def recent_choices(*, plan: Plan, user: Any, limit: int = CHOICES) -> list[Choice]:
    """The plan's last root choices in the cycle traces of agents the viewer may see, newest first."""
    traces = (CycleTrace.objects.filter(choice__plan=str(plan.pk), agent__organization_id__in=_visible(user))
              .select_related("agent").only("id", "cycle", "at", "choice", "agent__id", "agent__name")
              .order_by("-id")[:limit])
    return [Choice(trace.agent, trace.at, trace.cycle, trace.choice.get("policy") or "first_applicable",
                   trace.choice.get("why") or "", list(trace.choice.get("scores") or [])) for trace in traces]


def plans_last_day(*, user: Any, now: datetime.datetime | None = None) -> tuple[list[PlanRate], list[PlanRate]]:
    """The most and the least successful plans of the last 24 hours (by success rate, at least
    ``DASHBOARD_MIN_OUTCOMES`` outcomes), of the organizations the viewer may see. Two queries; a plan among
    the most successful is not listed again among the least."""
    now = now or timezone.now()
    rated = (PlanOutcome.objects.filter(created_at__gte=now - datetime.timedelta(days=1),
                                        organization_id__in=_visible(user))
             .values("plan_id", label=F("plan__label"))
             .annotate(n=Count("id"), s=Count("id", filter=Q(success=True)))
             .filter(n__gte=DASHBOARD_MIN_OUTCOMES)
             .annotate(rate=Cast("s", FloatField()) / Cast("n", FloatField())))

    def listed(rows: Any) -> list[PlanRate]:
        return [PlanRate(row["plan_id"], row["label"], row["n"], row["s"]) for row in rows]

    best = listed(rated.order_by("-rate", "-n", "label")[:DASHBOARD_TOP])
    worst = listed(rated.exclude(plan_id__in=[row.plan_id for row in best])
                   .order_by("rate", "-n", "label")[:DASHBOARD_TOP])
    return best, worst
