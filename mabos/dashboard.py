"""The admin index as the operator's home: health, traffic, backlog, agents, recent audit events.

Every figure comes from one aggregate query over indexed columns, so the page
costs the same number of queries with ten messages or ten million:

- messages per minute: ``date_trunc('minute', created_at)`` grouped, with
  ``WHERE created_at >= now() - 1 hour`` on the ``created_at`` index;
- pending and dead deliveries: one filtered COUNT (``mabos.metrics.exposition.delivery_backlog``);
- agents by status: one GROUP BY;
- recent audit events: the newest ten by ``occurred_at`` (indexed);
- unhealthy agents and recent restarts (agents.supervision.selectors.unhealthy_for): a count, the first ten
  agents in trouble with their health, the ten latest restarts and escalations, for every staff member
  over the organizations they may view;
- plans, last day (agents.learning.charts.plans_last_day): the five most and five least successful plans of
  the last 24 hours by success rate (at least three outcomes), two GROUP BY queries over PlanOutcome, for
  every staff member over the organizations they may view.

The chart is an SVG drawn on the server: no script and no inline style, so it
lives within the CSP ``default-src 'self'``; colours come from a same-origin
stylesheet. The figures are system-wide, so only administrators see them;
other staff see component health and the usual app list.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.db.models import Count
from django.db.models.base import ModelBase
from django.db.models.functions import TruncMinute
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.roles import is_administrator
from mabos.health.registry import overall_status, run_health_checks
from mabos.metrics.exposition import delivery_backlog
from mabos.resilience.breakers import all_breakers

# The models (agents, auditlog) and the admin forms and views are imported inside the functions that use
# them: this module is the admin's app config (INSTALLED_APPS), which Django imports before models load.

logger = logging.getLogger("mabos.dashboard")

CHART_MINUTES = 60
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 600, 160, 24
RECENT_AUDIT_EVENTS = 10


@dataclass(frozen=True)
class Bar:
    minute: datetime.datetime
    count: int
    x: float
    y: float
    width: float
    height: float


def messages_per_minute(*, now: datetime.datetime | None = None) -> list[tuple[datetime.datetime, int]]:
    """(minute, messages) for each of the last 60 minutes, oldest first, zeros included. One query."""
    from agents.models import Message

    now = now or timezone.now()
    end = now.replace(second=0, microsecond=0)
    start = end - datetime.timedelta(minutes=CHART_MINUTES - 1)
    rows = (Message.objects.filter(created_at__gte=start).annotate(minute=TruncMinute("created_at"))
            .values("minute").annotate(n=Count("pk")).order_by())
    counts = {row["minute"]: row["n"] for row in rows}
    return [(minute, counts.get(minute, 0))
            for minute in (start + datetime.timedelta(minutes=i) for i in range(CHART_MINUTES))]


def chart_bars(series: list[tuple[datetime.datetime, int]]) -> tuple[list[Bar], int]:
    """SVG geometry for the series, scaled to its peak (at least 1, so an idle hour draws flat)."""
    peak = max([count for _, count in series] + [1])
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / max(len(series), 1)
    bars = []
    for i, (minute, count) in enumerate(series):
        height = inner_h * count / peak
        bars.append(Bar(minute, count, round(CHART_PAD + i * step + 1, 1),
                        round(CHART_PAD + inner_h - height, 1), round(max(step - 2, 1), 1), round(height, 1)))
    return bars, peak


def agents_by_status() -> list[tuple[str, int]]:
    from agents.models import Agent, AgentStatus

    counts = dict(Agent.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return [(status, counts.get(status, 0)) for status in AgentStatus.values]


def recent_audit_events() -> list[Any]:
    from auditlog.models import AuditEvent

    return list(AuditEvent.objects.order_by("-occurred_at", "-seq")
                .only("seq", "occurred_at", "actor_type", "actor_name", "action", "target_type", "target_repr")
                [:RECENT_AUDIT_EVENTS])


def _link(name: str, query: str = "") -> str | None:
    try:
        return reverse(name) + query
    except NoReverseMatch:
        return None


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """Everything the index template shows, computed now."""
    results = run_health_checks()
    status, _, _ = overall_status(results)
    context: dict[str, Any] = {"health": results, "health_status": status, **supervision_panel(request),
                               **plans_panel(request)}
    if not is_administrator(request.user):
        return context
    series = messages_per_minute()
    bars, peak = chart_bars(series)
    backlog = delivery_backlog()
    context.update({
        "operator": True,
        "chart": {"bars": bars, "peak": peak, "total": sum(count for _, count in series),
                  "width": CHART_WIDTH, "height": CHART_HEIGHT, "pad": CHART_PAD,
                  "baseline": CHART_HEIGHT - CHART_PAD, "right": CHART_WIDTH - CHART_PAD,
                  "last": series[-1][1] if series else 0},
        "backlog": backlog,
        # The deliveries counted as pending: not yet handed over (agents/messaging/admin.py DeliveryAdmin).
        "pending_url": _link("admin:agents_delivery_changelist", "?status=in-flight"),
        "dead_url": _link("admin:agents_deadletter_changelist")
                    or _link("admin:agents_delivery_changelist", "?status__exact=dead"),
        "agents": agents_by_status(),
        "agents_url": _link("admin:agents_agent_changelist"),
        "audit_events": recent_audit_events(),
        "audit_url": _link("admin:auditlog_auditevent_changelist"),
        "breakers": sorted((name, item.current_state) for name, item in all_breakers().items()),
    })
    return context


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
             "url": _link_to("admin:agents_agent_change", row.agent.pk)} for row in panel.agents]
    return {"supervision": {"agents": rows, "total": panel.total, "more": panel.total - len(rows),
                            "events": panel.events, "events_url": _link("admin:agents_supervisionevent_changelist"),
                            "failed_url": _link("admin:agents_agent_changelist", "?status__exact=failed")}}


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
        return [{"rate": rate, "url": _link_to("admin:agents_plan_change", rate.plan_id)} for rate in rates]

    return {"plans": {"best": rows(best), "worst": rows(worst), "minimum": DASHBOARD_MIN_OUTCOMES}}


def _link_to(name: str, pk: Any) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


class MabosAdminSite(admin.AdminSite):
    """The default admin site with the operator's dashboard on its index page."""

    site_header = "MABOS administration"
    site_title = "MABOS"

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        from accounts.admin_grants import access_notice

        notice = access_notice(request.user)
        if notice:  # every list would be empty without a word: say why, and who can grant access
            messages.info(request, notice)
        return super().index(request, {**dashboard_context(request), **(extra_context or {})})

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Every project model's admin gets the audit trail as its HISTORY page (auditlog/history.py), added
        here once so that no ModelAdmin can forget it."""
        from auditlog.history import wants_audit_history, with_audit_history

        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        for model in models:
            chosen = admin_class or admin.ModelAdmin
            super().register(model, with_audit_history(chosen) if wants_audit_history(model) else chosen, **options)

    def password_change(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        """Django's page, but the change goes through the accounts service: audited, other sessions revoked."""
        from django.contrib.admin.forms import AdminPasswordChangeForm

        from accounts.admin import OwnPasswordChangeView

        defaults: dict[str, Any] = {
            "form_class": AdminPasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return OwnPasswordChangeView.as_view(**defaults)(request)


class MabosAdminConfig(AdminConfig):
    """Installed in place of ``django.contrib.admin`` so ``admin.site`` is a MabosAdminSite."""

    default_site = "mabos.dashboard.MabosAdminSite"
