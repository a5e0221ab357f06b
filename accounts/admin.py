"""Admin for users and sessions. Writes go through the same services as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from accounts.models import User, UserSession
from accounts.selectors import grants_held_by
from accounts.services import user_password_set
from accounts.services.groups import auth_group_create, auth_group_delete, auth_group_update, is_builtin_role
from accounts.services.sessions import session_revoke, sessions_revoke_all
from accounts.services.users import UPDATABLE, user_create, user_delete, user_password_change_own, user_update
from mabos.display.links import object_link


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" form, routed through user_password_set (revokes sessions, audits)."""

    def save(self, commit: bool = True) -> User:
        password = self.cleaned_data["password1"]
        if commit:
            # by=None: the audit log takes the acting administrator from the request context.
            return user_password_set(user=self.user, password=password, by=None)
        self.user.set_password(password)
        return self.user


class OwnPasswordChangeView(PasswordChangeView):
    """/admin/password_change/: one's own password, through user_password_change_own (audited; the other
    sessions are revoked). MabosAdminSite.password_change serves it."""

    def form_valid(self, form) -> HttpResponse:
        user_password_change_own(request=self.request, password=form.cleaned_data["new_password1"])
        return HttpResponseRedirect(self.get_success_url())


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Adding, changing and deleting users goes through accounts.services.users (one audit event each).

    Django saves the columns in ``save_model`` and the groups and permissions
    in ``save_related``; both are left to ``user_update``, called once from
    ``save_related`` with everything the form changed, so before/after of
    ``is_staff``, ``is_superuser``, groups and permissions land in one event.
    """

    change_password_form = AuditedPasswordChangeForm
    actions = ["revoke_all_sessions"]
    readonly_fields = ["last_login", "date_joined", "roles_held", "object_grants"]  # facts, not settings

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, ("Access", {"fields": ("roles_held", "object_grants"),
                                        "description": "Roles are granted above (groups); object grants on each "
                                                       "organization's or agent's Access page."})]

    @admin.display(description="roles")
    def roles_held(self, obj: User) -> str:
        names = sorted(group.name for group in obj.groups.all())
        flags = ["superuser (every object)"] if obj.is_superuser else []
        return ", ".join(flags + names) or "none"

    @admin.display(description="object grants")
    def object_grants(self, obj: User) -> str:
        """Read-only: what this user may do to which organization or agent, and whether through a role."""
        rows = grants_held_by(obj)
        if not rows:
            return "none"
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (row["object_type"], object_link(row["object"]), row["permission"], row["via"]) for row in rows))
        return format_html('<table class="object-grants"><thead><tr><th>kind</th><th>object</th><th>may</th>'
                           "<th>through</th></tr></thead><tbody>{}</tbody></table>", body)

    def save_model(self, request, obj: User, form, change: bool) -> None:
        if change:
            return  # written, with its groups and permissions, by save_related
        data = form.cleaned_data
        created = user_create(username=data["username"], by=request.user,
                              password=data["password1"] if data.get("set_usable_password") else None)
        obj.pk, obj.password = created.pk, created.password
        obj._state.adding = False

    def save_related(self, request, form, formsets, change: bool) -> None:
        if not change:
            return  # the add form holds no groups or permissions
        data = {name: form.cleaned_data[name] for name in UPDATABLE if name in form.cleaned_data}
        user_update(user=form.instance, by=request.user, **data)
        form.instance.refresh_from_db()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def user_change_password(self, request, id, form_url: str = "") -> HttpResponse:
        """One's own password is changed on /admin/password_change/ (asks the old one, keeps this session).

        Here it would revoke every session, this one included, and Django would
        then carry the login on under a new key with no UserSession row: a
        session nobody could see or revoke.
        """
        if str(request.user.pk) == str(unquote(id)):
            return HttpResponseRedirect(reverse("admin:password_change", current_app=self.admin_site.name))
        return super().user_change_password(request, id, form_url)

    def delete_model(self, request, obj: User) -> None:
        user_delete(user=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            user_delete(user=user, by=request.user)

    @admin.action(description="Revoke all sessions of the selected users")
    def revoke_all_sessions(self, request, queryset) -> None:
        total = sum(sessions_revoke_all(user=user, by=request.user, reason="revoked by an administrator")
                    for user in queryset)
        self.message_user(request, f"Revoked {total} session(s).", messages.SUCCESS)


# django.contrib.auth registers a GroupAdmin that saves role permissions unaudited; this one replaces it.
admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(DjangoGroupAdmin):
    """Roles (Django groups) through accounts.services.groups: every permission added or removed is audited.

    The built-in roles keep their names and cannot be deleted (code finds them by name).
    """

    def get_readonly_fields(self, request: HttpRequest, obj: Group | None = None) -> list[str]:
        return ["name"] if obj is not None and is_builtin_role(obj) else []

    def has_delete_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        if obj is not None and is_builtin_role(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Group, form, change: bool) -> None:
        if change:
            return  # written, with its permissions, by save_related
        created = auth_group_create(name=form.cleaned_data["name"], by=request.user,
                                    permissions=form.cleaned_data.get("permissions", []))
        obj.pk = created.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        if not change:
            return  # auth_group_create set the permissions
        auth_group_update(group=form.instance, by=request.user, name=form.cleaned_data.get("name"),
                          permissions=form.cleaned_data.get("permissions"))
        form.instance.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Group) -> None:
        auth_group_delete(group=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for group in queryset:
            auth_group_delete(group=group, by=request.user)


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "ip_address", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "ip_address"]
    list_select_related = ["user"]
    readonly_fields = ["id", "user", "kind", "ip_address", "user_agent", "created_at", "last_used_at",
                       "expires_at", "revoked_at"]
    exclude = ["web_session_key", "refresh_jti"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the row is the record of the session

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("accounts.delete_usersession")

    @admin.action(description="Revoke the selected sessions", permissions=["revoke"])
    def revoke(self, request, queryset) -> None:
        revoked = 0
        for session in queryset.filter(revoked_at__isnull=True):
            session_revoke(session=session, by=request.user, reason="revoked by an administrator")
            revoked += 1
        self.message_user(request, f"Revoked {revoked} session(s).", messages.SUCCESS)
