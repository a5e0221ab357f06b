"""The admin site: the operator's dashboard on its index, and what every project ModelAdmin gets once."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.db.models.base import ModelBase
from django.http import HttpRequest
from django.urls import reverse

from mabos.dashboard.figures import dashboard_context


def in_front(mixin: type, admin_class: type) -> type:
    """``admin_class`` with ``mixin`` first in its bases (the same class if it has it already), under the same
    name, module and docstring, so error messages and the admin's templates still name the original."""
    if issubclass(admin_class, mixin):
        return admin_class
    return type(admin_class.__name__, (mixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__,
                 "__qualname__": admin_class.__qualname__})


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
        """Every project model's admin gets, added here once so that no ModelAdmin can forget them: the audit
        trail as its HISTORY page (auditlog/history.py), and links from the list columns that name an
        organization or an agent to its page (mabos/display/links.py)."""
        from auditlog.history import AuditHistoryAdminMixin, wants_audit_history
        from mabos.display.links import RelatedLinksAdminMixin

        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        for model in models:
            chosen = admin_class or admin.ModelAdmin
            if wants_audit_history(model):
                chosen = in_front(RelatedLinksAdminMixin, in_front(AuditHistoryAdminMixin, chosen))
            super().register(model, chosen, **options)

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

    def ready(self) -> None:
        super().ready()
        from mabos.display.admin_values import install

        install()  # dates relative and long JSON folded in every list and read-only field
