"""Object grants in the admin: who may view, change, operate and delete an object, granted and revoked there.

The same services as ``/api/v1/permissions/`` do the writes (``permissions_grant``, ``permission_revoke``:
one audit event per grant, in the write's transaction), and the same rule decides who may write them
(``is_administrator``, the API's ``IsAdministrator``). Anyone who may view the object may read its grants.

A ModelAdmin of a model with an object-permission policy takes :class:`ObjectGrantsAdminMixin`; it adds
``<id>/access/`` (URL name ``<app>_<model>_access``), which shows the grants and, to an administrator, the
grant form and a revoke button per grant. ``admin/object_grants.html`` is the include that renders them, on
that page and on any change page that puts ``access`` in its context (the organization's does).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from accounts.object_permissions import object_policies, policy_for
from accounts.roles import is_administrator
from accounts.selectors import administrator_usernames, holds_any_grant, staff_usernames
from accounts.services.permissions import grants_for_object, permission_revoke, permissions_grant
from mabos.errors import DomainError


class GrantForm(forms.Form):
    """A user and the verbs to grant them on one object; a name that is no user is an error on ``user``."""

    user = forms.CharField(max_length=150, help_text="A username.",
                           widget=forms.TextInput(attrs={"list": "grant-usernames", "autocomplete": "off"}))
    verbs = forms.MultipleChoiceField(label="may", widget=forms.CheckboxSelectMultiple,
                                      help_text="Each is one grant, audited on its own.")

    def __init__(self, *args: Any, actions: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verbs"].choices = [(action, action) for action in actions]

    def clean_user(self) -> User:
        username = self.cleaned_data["user"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(f"No user is named {username!r}.")
        return user


class RevokeForm(forms.Form):
    """One direct grant, as its row in the table names it."""

    holder_type = forms.ChoiceField(choices=[("user", "user"), ("group", "group")])
    holder = forms.CharField(max_length=150)
    permission = forms.CharField(max_length=32)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, name = data.get("holder_type"), data.get("holder")
        if kind and name:
            model = User if kind == "user" else Group
            lookup = {"username": name} if kind == "user" else {"name": name}
            data["holder_object"] = model.objects.filter(**lookup).first()
            if data["holder_object"] is None:
                self.add_error("holder", f"No {kind} is named {name!r}.")
        return data


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


class ObjectGrantsAdminMixin:
    """Use before ``admin.ModelAdmin`` (and after the permission mixins) on a model with an object policy.

    ``grants_on_change_page``: show the grants (and the form) at the foot of the change page too.
    """

    grants_on_change_page = False

    def get_urls(self) -> list:
        opts = self.model._meta
        access = path("<path:object_id>/access/", self.admin_site.admin_view(self.access_view),
                      name=f"{opts.app_label}_{opts.model_name}_access")
        return [access, *super().get_urls()]

    def access_url(self, obj: Model) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_access", args=[obj.pk],
                       current_app=self.admin_site.name)

    def access_context(self, request: HttpRequest, obj: Model, form: GrantForm | None = None,
                       next_url: str = "") -> dict[str, Any]:
        """What the include shows: the direct grants, those inherited from the parent, who may grant."""
        policy = policy_for(type(obj))
        can_grant = is_administrator(request.user)
        parent = getattr(obj, policy.parent) if policy.parent else None
        return {
            "object": obj,
            "grants": grants_for_object(obj),
            "parent": parent,
            "parent_grants": grants_for_object(parent) if parent is not None else [],
            "can_grant": can_grant,
            "form": (form or GrantForm(actions=policy.actions, auto_id="id_grant_%s")) if can_grant else None,
            "url": self.access_url(obj),
            "next": next_url or request.get_full_path(),
            "administrators": administrator_usernames(),
            "usernames": staff_usernames() if can_grant else [],
        }

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Model | None = None) -> Any:
        if self.grants_on_change_page and obj is not None and not add:
            context["access"] = self.access_context(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def access_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the grants. POST (administrators only, else 403): grant or revoke, then back where it came from."""
        obj = self.get_object(request, unquote(object_id))  # the admin's queryset: what the user may see
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404(f"No {self.model._meta.verbose_name} with this id.")
        policy = policy_for(type(obj))
        form = None
        if request.method == "POST":
            if not is_administrator(request.user):
                raise PermissionDenied("Only administrators may grant or revoke access.")
            back = _safe_next(request, self.access_url(obj))
            if request.POST.get("op") == "revoke":
                self._revoke(request, obj, RevokeForm(request.POST))
                return HttpResponseRedirect(back)
            form = GrantForm(request.POST, actions=policy.actions, auto_id="id_grant_%s")
            if form.is_valid() and self._grant(request, obj, form):
                return HttpResponseRedirect(back)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"Access to {obj}",
            "subtitle": None,
            "opts": opts,
            "original": obj,
            "change_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk],
                                  current_app=self.admin_site.name),
            "access": self.access_context(request, obj, form=form, next_url=self.access_url(obj)),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/object_access.html", context)

    def _grant(self, request: HttpRequest, obj: Model, form: GrantForm) -> bool:
        user, verbs = form.cleaned_data["user"], form.cleaned_data["verbs"]
        try:
            granted = permissions_grant(by=request.user, obj=obj, actions=verbs, user=user)
        except DomainError as exc:
            form.add_error(None, exc.detail)
            return False
        held = [verb for verb in verbs if verb not in granted]
        text = f"Granted {', '.join(granted)} on {obj} to {user.username}." if granted else \
            f"{user.username} already held {', '.join(held)} on {obj}."
        if granted and held:
            text += f" ({', '.join(held)} was already held.)"
        self.message_user(request, text, messages.SUCCESS)
        return True

    def _revoke(self, request: HttpRequest, obj: Model, form: RevokeForm) -> None:
        if not form.is_valid():
            problems = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in form.errors.items())
            self.message_user(request, f"Nothing was revoked: {problems}", messages.ERROR)
            return
        data = form.cleaned_data
        holder = {data["holder_type"]: data["holder_object"]}
        try:
            permission_revoke(by=request.user, obj=obj, action=data["permission"], **holder)
        except DomainError as exc:
            self.message_user(request, f"Nothing was revoked: {exc.detail}", messages.ERROR)
            return
        self.message_user(request, f"Revoked {data['permission']} on {obj} from {data['holder_type']} "
                                   f"{data['holder']}.", messages.SUCCESS)


def access_notice(user: Any) -> str | None:
    """Why a staff member sees nothing, and who can change that (None when they hold a grant or a role that sees).

    Shown on the admin index: the pages open, but every list is empty, which without a word looks broken.
    """
    if not getattr(user, "is_active", False) or not getattr(user, "is_staff", False) or is_administrator(user):
        return None
    if any(user.has_perm(policy.perm("view")) for policy in object_policies()) or holds_any_grant(user):
        return None
    names = administrator_usernames()
    who = f"an administrator ({', '.join(names)})" if names else "an administrator"
    return (f"You hold no access to any organization or agent yet, so their lists are empty. "
            f"Access is granted per organization or agent on its page, under Access, by {who}.")
