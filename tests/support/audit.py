"""Audit log test helpers: people in named groups, and changing audit rows behind the application's back."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection

from accounts.models import User
from tests.support.api import PASSWORD


def make_user(username: str, *, groups: tuple[str, ...] = (), superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(username=username, password=PASSWORD)
    user = User.objects.create_user(username=username, password=PASSWORD)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def tamper(sql: str, params: list) -> None:
    """Change audit rows behind the application's back, as a database superuser would."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE auditlog_auditevent DISABLE TRIGGER auditlog_auditevent_append_only")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("ALTER TABLE auditlog_auditevent ENABLE TRIGGER auditlog_auditevent_append_only")
