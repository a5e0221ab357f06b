"""What the dashboard shows, computed now, for the staff member who asks.

Every figure is of the organizations the viewer may view (administrators: all), and each is one aggregate
query over indexed columns, so the page costs the same number of queries with ten messages or ten million
(tests/mabos/test_dashboard.py counts them):

- messages per minute, last hour (``message_counts_by_minute``): one GROUP BY on ``date_trunc('minute')``;
- agents by status (``agent_status_counts``): one GROUP BY;
- intentions by state (``intention_state_counts``): one GROUP BY on the status, live ones and those that
  finished in the last day;
- approvals waiting (``approval_pending_latest``): the ten due first and the total, one query with a window
  count; which of them the viewer may decide, one query (``approvals_decidable``);
- unhealthy agents and recent restarts (``unhealthy_for``) and the plans of the last day
  (``plans_last_day``): a fixed number each;
- for administrators only, the system's own figures: pending and dead deliveries, circuit breakers, the
  newest audit events.

- the simulated company's key figures over its simulated days (``simulation_panel``: cash, stock on hand,
  orders a day), one query for every simulated organization the viewer may view.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.roles import is_administrator
from mabos.dashboard.charts import BarChart, bar_chart, number
from mabos.health.registry import overall_status, run_health_checks
from mabos.metrics.exposition import delivery_backlog
from mabos.resilience.breakers import all_breakers

# The models and selectors are imported inside the functions that use them: this package is the admin's app
# config (INSTALLED_APPS), which Django imports before models load.

logger = logging.getLogger("mabos.dashboard")

CHART_MINUTES = 60
RECENT_AUDIT_EVENTS = 10
#: Pending approvals listed (the total is counted).
APPROVALS_SHOWN = 10
#: Seconds between two refreshes of the figures (mabos/static/mabos/dashboard.js reads it from the page).
REFRESH_SECONDS = 10
#: The simulated days charted, and how many simulated organizations at most (each draws three charts).
SIMULATION_DAYS = 60
SIMULATION_ORGANIZATIONS = 3


def messages_per_minute(*, user: Any, now: datetime.datetime | None = None) -> list[tuple[datetime.datetime, int]]:
    """(minute, messages) for each of the last 60 minutes, oldest first, zeros included, of the organizations
    ``user`` may view. One query."""
    from agents.messaging.selectors import message_counts_by_minute

    now = now or timezone.now()
    end = now.replace(second=0, microsecond=0)
    start = end - datetime.timedelta(minutes=CHART_MINUTES - 1)
    counts = message_counts_by_minute(user=user, since=start)
    return [(minute, counts.get(minute, 0))
            for minute in (start + datetime.timedelta(minutes=i) for i in range(CHART_MINUTES))]


def messages_chart(series: list[tuple[datetime.datetime, int]]) -> BarChart:
    return bar_chart(series, title="Messages per minute over the last hour", unit="/min",
                     start_label=f"-{CHART_MINUTES} min", end_label="now",
                     describe=lambda minute, count: f"{minute:%H:%M} UTC: {count}")


def agents_by_status(*, user: Any) -> list[tuple[str, int]]:
    from agents.agent.models import AgentStatus
    from agents.agent.selectors import agent_status_counts

    counts = agent_status_counts(user=user)
    return [(status, counts.get(status, 0)) for status in AgentStatus.values]


def intentions_by_state(*, user: Any, now: datetime.datetime | None = None) -> list[tuple[str, int]]:
    from agents.reasoning.intentions.models import IntentionStatus
    from agents.reasoning.intentions.selectors import intention_state_counts

    since = (now or timezone.now()) - datetime.timedelta(days=1)
    counts = intention_state_counts(user=user, since=since)
    return [(status, counts.get(status, 0)) for status in IntentionStatus.values]


def recent_audit_events() -> list[Any]:
    from auditlog.models import AuditEvent

    return list(AuditEvent.objects.order_by("-occurred_at", "-seq")
                .only("seq", "occurred_at", "actor_type", "actor_name", "action", "target_type", "target_repr")
                [:RECENT_AUDIT_EVENTS])


def link(name: str, *args: Any, query: str = "") -> str | None:
    try:
        return reverse(name, args=args or None) + query
    except NoReverseMatch:
        return None


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """Everything the index template shows (templates/admin/index.html), computed now."""
    results = run_health_checks()
    status, _, _ = overall_status(results)
    context: dict[str, Any] = {"health": results, "health_status": status, "refresh_seconds": REFRESH_SECONDS,
                               **supervision_panel(request), **plans_panel(request), **simulation_panel(request)}
    context.update(_guarded("figures", lambda: figures_panel(request)))
    context.update(_guarded("approvals", lambda: approvals_panel(request)))
    if is_administrator(request.user):
        context.update(system_panel())
    return context


def _guarded(what: str, compute: Any) -> dict[str, Any]:
    """A panel, or nothing when the database does not answer (the components table says why)."""
    try:
        return compute()
    except Exception as exc:
        logger.warning("%s panel not computed: %s", what, type(exc).__name__)
        return {}


def figures_panel(request: HttpRequest) -> dict[str, Any]:
    """Messages per minute, agents by status and intentions by state, of what the viewer may see."""
    series = messages_per_minute(user=request.user)
    return {"figures": True, "chart": messages_chart(series), "agents": agents_by_status(user=request.user),
            "agents_url": link("admin:agents_agent_changelist"),
            "intentions": intentions_by_state(user=request.user)}


def approvals_panel(request: HttpRequest) -> dict[str, Any]:
    """The approvals waiting for a person, with Approve / Reject for those the viewer may decide."""
    from agents.reasoning.approvals.access import approvals_decidable
    from agents.reasoning.approvals.selectors import approval_pending_latest

    rows, total = approval_pending_latest(user=request.user, limit=APPROVALS_SHOWN)
    decidable = approvals_decidable(request.user, rows)
    return {"approvals": {
        "rows": [{"request": row, "may_decide": row.pk in decidable,
                  "url": link("admin:agents_approvalrequest_change", row.pk),
                  "agent_url": link("admin:agents_agent_change", row.agent_id),
                  "decide_url": link("admin:agents_approvalrequest_decide", row.pk)} for row in rows],
        "total": total, "more": total - len(rows),
        "list_url": link("admin:agents_approvalrequest_changelist", query="?status__exact=pending")}}


def system_panel() -> dict[str, Any]:
    """The system's own figures, for administrators: they are of no organization."""
    return {
        "system": True,
        "backlog": delivery_backlog(),
        # The deliveries counted as pending: not yet handed over (agents/messaging/admin.py DeliveryAdmin).
        "pending_url": link("admin:agents_delivery_changelist", query="?status=in-flight"),
        "dead_url": link("admin:agents_deadletter_changelist")
                    or link("admin:agents_delivery_changelist", query="?status__exact=dead"),
        "audit_events": recent_audit_events(),
        "audit_url": link("admin:auditlog_auditevent_changelist"),
        "breakers": sorted((name, item.current_state) for name, item in all_breakers().items()),
    }


def supervision_panel(request: HttpRequest) -> dict[str, Any]:
    """Unhealthy agents and recent restarts of the organizations the viewer may see; empty if it cannot say."""
    from agents.supervision.selectors import unhealthy_for
    from agents.supervision.tables import age_words

    try:
        panel = unhealthy_for(user=request.user)
    except Exception as exc:  # the database is down: the components table says so
        logger.warning("supervision panel not computed: %s", type(exc).__name__)
        return {}
    rows = [{"health": row, "age": age_words(row.heartbeat_age),
             "url": link("admin:agents_agent_change", row.agent.pk)} for row in panel.agents]
    events = [{"event": event, "url": link("admin:agents_agent_change", event.agent_id)} for event in panel.events]
    return {"supervision": {"agents": rows, "total": panel.total, "more": panel.total - len(rows),
                            "events": events, "events_url": link("admin:agents_supervisionevent_changelist"),
                            "failed_url": link("admin:agents_agent_changelist", query="?status__exact=failed")}}


def plans_panel(request: HttpRequest) -> dict[str, Any]:
    """The most and least successful plans of the last day, each linked to its admin page; empty if it cannot
    say (the components table says why)."""
    from agents.learning.charts import DASHBOARD_MIN_OUTCOMES, plans_last_day

    try:
        best, worst = plans_last_day(user=request.user)
    except Exception as exc:  # the database is down
        logger.warning("plans panel not computed: %s", type(exc).__name__)
        return {}

    def rows(rates: list[Any]) -> list[dict[str, Any]]:
        return [{"rate": rate, "url": link("admin:agents_plan_change", rate.plan_id)} for rate in rates]

    return {"plans": {"best": rows(best), "worst": rows(worst), "minimum": DASHBOARD_MIN_OUTCOMES}}


def simulation_panel(request: HttpRequest) -> dict[str, Any]:
    """The simulated company's key figures over its last ``SIMULATION_DAYS`` simulated days: cash, stock on
    hand and orders, one bar chart each, for every simulated organization the viewer may view (at most
    ``SIMULATION_ORGANIZATIONS``). One query for all of them (``simulation_series``); no simulation, no panel.
    The index template draws each under "Simulated company" (its ``simulation_figures`` block)."""
    from agents.organization.access import organizations_for
    from agents.simulation.selectors import simulation_series

    charts: list[BarChart] = []
    for found in simulation_series(organizations=organizations_for(request.user),
                                   days=SIMULATION_DAYS)[:SIMULATION_ORGANIZATIONS]:
        days = found.days
        labels = {"start_label": f"day {days[0].day}", "end_label": f"day {days[-1].day}"}
        name = found.organization.name
        charts += [
            bar_chart([(d.day, d.cash) for d in days], title=f"{name}: cash", unit=" EUR",
                      describe=lambda day, value: f"day {day}: {number(value)} EUR", **labels),
            bar_chart([(d.day, d.stock_on_hand) for d in days], title=f"{name}: stock on hand", unit=" units",
                      describe=lambda day, value: f"day {day}: {number(value)} units on hand", **labels),
            bar_chart([(d.day, d.orders) for d in days], title=f"{name}: orders a day", unit=" orders",
                      describe=lambda day, value: f"day {day}: {number(value)} orders", **labels),
        ]
    return {"simulation_figures": charts} if charts else {}
