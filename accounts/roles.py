"""The four roles (Django groups) and the model permissions each one holds.

Roles carry *model* permissions: what a person may do to a kind of thing.
Which organizations and agents an operator or viewer may touch is decided by
*object* permissions (guardian grants), not by the role. The administrator
role holds the model permissions of every domain model, which is how it sees
and changes every object.

Later migrations extend the roles when they add models, e.g. the agents app:

    def forwards(apps, schema_editor):
        from accounts.roles import role_permissions_sync
        role_permissions_sync(apps, {
            "administrator": ["agents.view_agent", "agents.change_agent", ...],
        })

``role_permissions_sync`` only adds, is idempotent, and creates the permission
rows first (post_migrate has not run yet inside a migration).
"""

from __future__ import annotations

from typing import Any

ADMINISTRATOR = "administrator"
OPERATOR = "operator"
AUDITOR = "auditor"
VIEWER = "viewer"
ROLES = (ADMINISTRATOR, OPERATOR, AUDITOR, VIEWER)


def _crud(model: str, *verbs: str) -> list[str]:
    app, name = model.split(".")
    return [f"{app}.{verb}_{name}" for verb in (verbs or ("add", "change", "delete", "view"))]


#: Model permissions per role, as they stand after the accounts migrations.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADMINISTRATOR: [
        *_crud("accounts.user"),
        *_crud("accounts.usersession", "view", "delete"),
        *_crud("auth.group"),
        *_crud("auth.permission", "view"),
        *_crud("guardian.userobjectpermission"),
        *_crud("guardian.groupobjectpermission"),
        *_crud("token_blacklist.outstandingtoken", "view"),
        *_crud("token_blacklist.blacklistedtoken", "view"),
        *_crud("axes.accessattempt", "view", "delete"),
        *_crud("axes.accesslog", "view"),
        *_crud("axes.accessfailurelog", "view"),
        "auditlog.view_auditevent",
    ],
    OPERATOR: [],
    AUDITOR: ["auditlog.view_auditevent"],
    VIEWER: [],
}


def _ensure_permission_rows(apps: Any) -> None:
    """Permission rows for every model now (inside a migration, post_migrate has not created them yet).

    create_permissions skips an app whose ``models_module`` is unset, as it is in a migration's app
    registry, so it is set for the call and then put back as it was. (Setting it to None afterwards, as
    this once did, disabled post_migrate's permission rows for good when run on the real registry: after
    the next flush, object grants failed with "Permission matching query does not exist".)
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)  # a migration's AppConfigStub has none
        app_config.models_module = original or True
        try:
            create_permissions(app_config, verbosity=0, apps=apps)
        finally:
            app_config.models_module = original


def role_permissions_sync(apps: Any, grants: dict[str, list[str]]) -> None:
    """Create the roles that are missing and give each the listed permissions (adds only; idempotent).

    ``apps`` is the migration's app registry (or django.apps.apps at run time).
    A permission that does not exist is an error: a typo must not leave a role
    silently weaker than documented.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    _ensure_permission_rows(apps)
    for role, perms in grants.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            perm = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None:
                raise LookupError(f"role {role}: permission {dotted} does not exist")
            wanted.append(perm)
        group.permissions.add(*wanted)


def role_assign(*, user: Any, role: str) -> None:
    from django.contrib.auth.models import Group

    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)


def has_role(user: Any, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_mabos_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._mabos_roles = cached
    return role in cached


def is_administrator(user: Any) -> bool:
    """Superusers and members of the administrator role manage users, grants and every object."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and (user.is_superuser or has_role(user, ADMINISTRATOR)))
