"""Supervision as operators read it in the admin: a health table, an agent's state, a policy in a line.

HTML built with ``format_html`` (every value escaped) and classes only, no inline style (the CSP); the admin
pages of agents, groups and policies all show health the same way, so it is written once here, next to the
reads it renders (agents.supervision.health), not in one of those admins.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.html import format_html, format_html_join

from agents.supervision.health import Health
from agents.supervision.models import EscalateTo, SupervisorPolicy
from mabos.display.dates import relative_time


def age_words(seconds: float | None) -> str:
    """``42 s``, ``7 min``, ``3 h``, ``2 d``; "never" without a heartbeat."""
    if seconds is None:
        return "never"
    seconds = max(0.0, seconds)
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def when(moment: datetime.datetime | None) -> Any:
    """"12 s ago" with the UTC time on hover (mabos/display/dates.py), or "—"."""
    return relative_time(moment) if moment else "—"


def policy_words(policy: SupervisorPolicy | None) -> str:
    """A policy in one line: strategy, intensity per period, restart type, where escalations go."""
    if policy is None:
        return "no policy: not supervised"
    scope = f"group {policy.group.name}" if policy.group_id else "organization default"
    return (f"{policy.strategy}, at most {policy.intensity} restarts in {policy.period_seconds} s, "
            f"{policy.restart}, escalate to {escalation_words(policy)} ({scope})")


def escalation_words(policy: SupervisorPolicy) -> str:
    if policy.escalate_to == EscalateTo.AGENT:
        return f"agent {policy.escalate_agent.name}" if policy.escalate_agent_id else "an agent"
    if policy.escalate_to == EscalateTo.ROLE:
        return f"role {policy.escalate_role}"
    return str(policy.escalate_to)


def policy_link(policy: SupervisorPolicy | None) -> str:
    if policy is None:
        return "—"
    return format_html('<a href="{}">{}</a>', reverse("admin:agents_supervisorpolicy_change", args=[policy.pk]),
                       policy_words(policy))


def _row_class(row: Health) -> str:
    if row.agent.status == "failed" or row.restart_at is not None:
        return "supervision-failed"
    return "supervision-stale" if row.stale_since is not None else "supervision-ok"


def health_badge(row: Health) -> tuple[str, str]:
    """(class, words) of an agent's health in a word or two, for the org chart: failed, restart due, stale,
    silent, healthy, or unsupervised (no policy covers it); with its heartbeat's age."""
    if row.agent.status == "failed":
        css, words = "supervision-failed", "failed"
    elif row.restart_at is not None:
        css, words = "supervision-failed", "restart due"
    elif row.stale_since is not None or row.silent:
        css, words = "supervision-stale", "stale" if row.stale_since is not None else "silent"
    else:
        css, words = "supervision-ok", "healthy" if row.policy is not None else "unsupervised"
    beat = f"heartbeat {age_words(row.heartbeat_age)} ago" if row.heartbeat_at else "no heartbeat yet"
    return css, f"{words}, {beat}"


def health_table(rows: list[Health]) -> str:
    """One line per agent: status, heartbeat age, restarts in the period, restart due, last failure."""
    if not rows:
        return "— (no leader or members)"
    lines = [(_row_class(row), reverse("admin:agents_agent_change", args=[row.agent.pk]), row.agent.name,
              row.agent.kind, row.agent.status, age_words(row.heartbeat_age),
              format_html("stale since {}", when(row.stale_since)) if row.stale_since else "",
              row.restarts_in_period, row.policy.intensity if row.policy else "—", when(row.restart_at),
              format_html("{}, {}", row.failure_words, when(row.last_failure_at)) if row.last_failure else "—")
             for row in rows]
    body = format_html_join("", '<tr class="{}"><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
                                "<td>{} {}</td><td>{} of {}</td><td>{}</td><td>{}</td></tr>", lines)
    return format_html('<table class="supervision-health"><thead><tr><th>agent</th><th>kind</th><th>status</th>'
                       "<th>heartbeat age</th><th>restarts in period</th><th>restart due</th>"
                       "<th>last failure</th></tr></thead><tbody>{}</tbody></table>", body)


def agent_state(row: Health) -> str:
    """The agent page's supervision block: its policy, heartbeat, restarts, pending restart, last failure."""
    items: list[tuple[str, Any]] = [
        ("policy", policy_link(row.policy) if row.policy else "none: this agent is not supervised"),
        ("heartbeat", when(row.heartbeat_at) if row.heartbeat_at else "never"),
        ("found stale since", when(row.stale_since)),
        ("restarts in the period", f"{row.restarts_in_period}" + (f" of {row.policy.intensity} in "
                                                                   f"{row.policy.period_seconds} s"
                                                                   if row.policy else "")),
        ("restart due", when(row.restart_at)),
        ("last failure", format_html("{}, {}", row.failure_words, when(row.last_failure_at))
         if row.last_failure else "—"),
        ("escalated", when(row.escalated_at)),
    ]
    events = reverse("admin:agents_supervisionevent_changelist") + f"?agent__id__exact={row.agent.pk}"
    return format_html('<dl class="supervision-state">{}</dl><p><a href="{}">Its supervision events</a></p>',
                       format_html_join("", "<dt>{}</dt><dd>{}</dd>", items), events)
