"""Fixtures for the audit log tests: people in each role, and a clean verification verdict."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.models import User
from auditlog.verification import RESULT_CACHE_KEY
from tests.support.audit import make_user


@pytest.fixture(autouse=True)
def _forget_verification_verdict():
    """The verdict lives in the shared Redis; never let one test's chain judge another's."""
    cache.delete(RESULT_CACHE_KEY)
    yield
    cache.delete(RESULT_CACHE_KEY)


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
