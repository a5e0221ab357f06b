"""What every admin of the agents domain shares: domain errors shown on the field they name, JSON shown as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import JSONField
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.admin_permissions import is_active_staff
from accounts.object_permissions import CHANGE, VIEW, has_object_permission, objects_for_user
from agents.common.forms import qualified_formfield_kwargs
from mabos.display.folding import json_folded
from mabos.errors import DomainError


def json_pretty(value: Any) -> SafeString:
    """A JSON value as indented JSON in a <pre> (admin.css wraps it), folded in a <details> when long
    (mabos/display/folding.py): a read-only field otherwise shows the Python repr (``{'a': True}``), which is
    not what the API or a person typing it would write."""
    return json_folded(value)


def json_preview(value: Any, limit: int = 80) -> str:
    """A JSON value on one line (compact, never a Python repr), cut at ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def agent_link(pk: Any, name: str) -> SafeString:
    """An agent's name linking to its page (its mind, messages and supervision: agents/agent/admin/page.py).
    Every admin names agents this way; a foreign key column does so by itself (mabos/display/links.py)."""
    return format_html('<a href="{}">{}</a>', reverse("admin:agents_agent_change", args=[pk]), name)


def sender_link(message: Any) -> SafeString | str:
    """A message's sender: the agent linked, or the person (``user …``) or MABOS as text."""
    return agent_link(message.sender_agent_id, message.sender_agent.name) if message.sender_agent_id \
        else message.sender_label


def apply_domain_error(form: forms.Form, exc: DomainError) -> None:
    fields = getattr(exc, "fields", None) or {}
    if not fields:
        form.add_error(None, exc.detail)
    for name, texts in fields.items():
        field = name.split(".")[0].split("[")[0]  # a path inside a JSON field (config.model) names the field
        target = field if field in form.fields else None
        for message in texts:
            form.add_error(target, message if target == name else f"{name}: {message}")


def run_service(form: forms.Form, call: Callable[[], Any]) -> Any:
    """Call a service; a domain error becomes a form error (and None is returned)."""
    try:
        return call()
    except DomainError as exc:
        apply_domain_error(form, exc)
        return None


class OrganizationScopedAdmin:
    """Permissions of objects that belong to an organization (or, with none, need the model permission).

    Each admin that uses it defines ``delete_one(request, obj)``: the audited delete service of its model,
    called once per object by the delete view and by "Delete selected".
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_active_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None or obj.organization_id is None:
            return self.has_module_permission(request)
        return has_object_permission(request.user, VIEW, obj.organization)

    def global_allowed(self, request: HttpRequest, verb: str) -> bool:
        """Writing an object that belongs to no organization; nobody, unless a subclass names the rule."""
        return False

    def _write_allowed(self, request: HttpRequest, obj: Any, verb: str) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        if obj.organization_id is None:
            return self.global_allowed(request, verb)
        return has_object_permission(request.user, CHANGE, obj.organization)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._write_allowed(request, obj, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._write_allowed(request, obj, "delete")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organization":
            # the organizations the user may change (related_model: common names no later package)
            kwargs["queryset"] = objects_for_user(request.user, db_field.related_model.objects.all(), CHANGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_one(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        """"Delete selected": one service call (and one audit event) per object, never a bulk delete.

        Django has already checked the delete permission on every selected object.
        A refusal (say, a role that an agent took in the meantime) keeps that
        object and is shown; the others are still deleted.
        """
        for obj in queryset:
            try:
                self.delete_one(request, obj)
            except DomainError as exc:
                self.message_user(request, f"{obj} was kept: {exc.detail}", messages.WARNING)


#: A read-only JSON field ``x`` is shown through ``x<PRETTY>``, a display ReadOnlyAdmin makes for it.
PRETTY = "__as_json"


class ReadOnlyAdmin:
    """A screen staff may look at and nobody writes through (messages, dead letters, plan versions).

    What the object is visible to is decided before: by the admin's queryset (a selector), or for an
    inline by its parent's admin; writes, where there are any, are admin actions calling services.

    Its JSON fields show as indented JSON (``json_pretty``): each is swapped for a display of the same
    label, as Django's own read-only rendering is one long line.
    """

    def _json_field_names(self) -> set[str]:
        return {field.name for field in self.model._meta.concrete_fields if isinstance(field, JSONField)}

    def _pretty_names(self, names: Any) -> list[Any]:
        json_names = self._json_field_names()
        return [f"{name}{PRETTY}" if isinstance(name, str) and name in json_names else name for name in names]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self._pretty_names(super().get_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self._pretty_names(super().get_readonly_fields(request, obj))

    def __getattr__(self, name: str) -> Any:
        if not name.endswith(PRETTY):
            raise AttributeError(name)
        field = self.model._meta.get_field(name[:-len(PRETTY)])

        def show(obj: Any) -> SafeString:
            return json_pretty(getattr(obj, field.name))

        show.short_description = field.verbose_name
        return show

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_active_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


class QualifiedChoicesMixin:
    """Dropdowns of objects that belong to an organization (agents, roles, groups) name the organization when
    names repeat ("CEO — Demo Online Retailer"): agents.common.forms. Use before ``admin.ModelAdmin`` (or an
    inline's base)."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return super().formfield_for_foreignkey(db_field, request, **qualified_formfield_kwargs(db_field, kwargs))

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return super().formfield_for_manytomany(db_field, request, **qualified_formfield_kwargs(db_field, kwargs))
