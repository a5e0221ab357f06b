"""The admin's HISTORY button shows the audit trail: an object's audit events, not Django's admin log.

Django's own history page reads ``LogEntry`` rows, which only the admin's stock save path writes and which
say nothing of the API, the workers or the request. Every write in MABOS records an ``AuditEvent`` instead
(docs/audit.md), so this mixin's ``history_view`` lists those: who, when, what changed (before → after),
the note, and the request it came from (IP and request id, with a link to every event of that request in
the audit list for those who may read it).

``MabosAdminSite.register`` (mabos/dashboard/site.py) puts this mixin in front of every ModelAdmin of a project
model, so no admin can forget it; an admin may also name it in its bases (it is then not added twice).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from auditlog.models import ActorType, AuditEvent
from auditlog.selectors import audit_events_of, can_read_audit, target_labels

#: Project apps whose models get the audit history (third-party admins keep theirs).
AUDITED_APPS = frozenset({"agents", "accounts", "mabos", "auth"})
PREVIEW_MAX = 300  # characters of one before/after value on the page; the audit list has it in full
PAGE_VAR = "p"


def shown_value(value: Any) -> str:
    """A before/after value as JSON (not a Python repr), cut to a readable length."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= PREVIEW_MAX else f"{text[:PREVIEW_MAX]}…"


def event_changes(event: AuditEvent) -> list[dict[str, str]]:
    """``{field: [before, after]}`` as rows; anything else that was stored, shown as it is."""
    rows = []
    for field, pair in sorted((event.changes or {}).items()):
        if isinstance(pair, list | tuple) and len(pair) == 2:
            before, after = pair
            rows.append({"field": field, "before": "—" if before is None else shown_value(before),
                         "after": "—" if after is None else shown_value(after)})
        else:
            rows.append({"field": field, "before": "", "after": shown_value(pair)})
    return rows


def audit_list_url(**params: str) -> str | None:
    """The audit changelist filtered by exact field values (``request_id``, ``target_type`` ...)."""
    try:
        base = reverse("admin:auditlog_auditevent_changelist")
    except NoReverseMatch:
        return None
    return f"{base}?{urlencode(params)}"


def actor_admin_url(event: AuditEvent) -> str | None:
    """A person's user page (agents and the system have none here); no query: the id is the event's."""
    if event.actor_type != ActorType.USER or not event.actor_id:
        return None
    try:
        return reverse("admin:accounts_user_change", args=[event.actor_id])
    except NoReverseMatch:
        return None


def wants_audit_history(model: type) -> bool:
    return model._meta.app_label in AUDITED_APPS


class AuditHistoryAdminMixin:
    """Use before ``admin.ModelAdmin``: HISTORY lists the object's audit events, newest first, 50 a page."""

    audit_history_per_page = 50

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        paginator = Paginator(audit_events_of(obj), self.audit_history_per_page)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        reader = can_read_audit(request.user)  # the audit list itself is for auditors and administrators
        events = [{"event": event, "changes": event_changes(event), "actor_url": actor_admin_url(event),
                   "request_url": audit_list_url(request_id=event.request_id)
                   if reader and event.request_id else None} for event in page]
        labels = target_labels(obj)
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "events": events,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "all_url": audit_list_url(target_type=labels[0], target_id=str(obj.pk)) if reader else None,
            "shows_ip": reader,  # an address is personal data: for the audit trail's readers only
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/audit_history.html", context)
