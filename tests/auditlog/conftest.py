"""Fixtures for the audit log tests: people in each role, and a clean verification verdict."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection

from accounts.models import User
from auditlog.verification import RESULT_CACHE_KEY

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _forget_verification_verdict():
    """The verdict lives in the shared Redis; never let one test's chain judge another's."""
    cache.delete(RESULT_CACHE_KEY)
    yield
    cache.delete(RESULT_CACHE_KEY)


def make_user(username: str, *, groups: tuple[str, ...] = (), superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(username=username, password=PASSWORD)
    user = User.objects.create_user(username=username, password=PASSWORD)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@pytest.fixture
def plain_user(db) -> User:
    return make_user("plain")


@pytest.fixture
def auditor(db) -> User:
    return make_user("auditor1", groups=("auditor",))


@pytest.fixture
def administrator(db) -> User:
    return make_user("admin1", groups=("administrator",))


@pytest.fixture
def operator_user(db) -> User:
    return make_user("operator1", groups=("operator", "viewer"))


@pytest.fixture
def superuser(db) -> User:
    return make_user("root", superuser=True)


def tamper(sql: str, params: list) -> None:
    """Change audit rows behind the application's back, as a database superuser would."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE auditlog_auditevent DISABLE TRIGGER auditlog_auditevent_append_only")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("ALTER TABLE auditlog_auditevent ENABLE TRIGGER auditlog_auditevent_append_only")
