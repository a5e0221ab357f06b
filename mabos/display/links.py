"""A list column that names an organization or an agent links to its page: one mixin, put in front of every
project ModelAdmin by ``MabosAdminSite.register``, instead of a display method in each admin.

"Linked from everywhere an agent is named": the messages, deliveries, approvals, actions, plan outcomes,
supervision events, keys ... each have an ``agent`` (or ``recipient``, ``initiator``, ``supervisor``) column.
Django shows a foreign key column as plain text (only a read-only *field* links to the related object's
change page). So ``get_list_display`` swaps each such column for a callable of the same name, label and
ordering that wraps the name in a link to the object's admin page (an agent's page holds its mind). Which
columns: foreign keys to a model guarded by object permissions (``accounts.object_permissions``: the
organization, the agent) that this admin site registers. The row's own link column (the first, unless
``list_display_links`` says otherwise) and ``list_editable`` columns are left alone.

No query is added: the callable reads the related object exactly as Django's own cell does, and
``get_list_select_related`` keeps Django's rule of joining the related columns of ``list_display`` (which the
callables would otherwise hide from it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from accounts.object_permissions import policy_for


def object_link(obj: Any, site_name: str = "admin") -> Any:
    """``<a href="…/change/">name</a>`` to ``obj``'s admin page, or its name when it has none."""
    opts = obj._meta
    try:
        url = reverse(f"{site_name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(obj)
    return format_html('<a href="{}">{}</a>', url, obj)


def _link_column(field: models.ForeignKey, site_name: str) -> Callable[[Any], Any]:
    def column(obj: Any) -> Any:
        target = getattr(obj, field.name)
        return None if target is None else object_link(target, site_name)

    column.__name__ = field.name  # the cell's class stays field-<name> (admin.css styles some)
    column.short_description = field.verbose_name
    column.admin_order_field = field.name
    return column


class RelatedLinksAdminMixin:
    """See the module. Use before ``admin.ModelAdmin``."""

    def _linked_fields(self, names: list[Any]) -> dict[str, models.ForeignKey]:
        explicit = self.list_display_links
        own_link = set(explicit) if explicit else ({names[0]} if names and explicit is not None else set())
        skip = own_link | set(self.list_editable)
        found = {}
        for name in names:
            if not isinstance(name, str) or name in skip:
                continue
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            target = getattr(field, "related_model", None)
            if isinstance(field, models.ForeignKey) and target is not None and policy_for(target) is not None \
                    and target in self.admin_site._registry:
                found[name] = field
        return found

    def get_list_display(self, request: HttpRequest) -> Any:
        names = list(super().get_list_display(request))
        fields = self._linked_fields(names)
        site_name = self.admin_site.name
        return [_link_column(fields[name], site_name) if isinstance(name, str) and name in fields else name
                for name in names]

    def get_list_select_related(self, request: HttpRequest) -> Any:
        chosen = super().get_list_select_related(request)
        if chosen is False and self._linked_fields(list(super().get_list_display(request))):
            return True  # what Django does when list_display names a foreign key
        return chosen
