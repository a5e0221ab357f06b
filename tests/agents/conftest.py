"""Fixtures of the agents tests: users with and without grants, staff, an organization and an agent, API clients."""

from __future__ import annotations

import pytest

from tests.support.api import api, client_for, create_user, make_user, reset_shared_state  # noqa: F401
from tests.support.factories import AgentFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _clean_shared_state(db):
    reset_shared_state()


@pytest.fixture
def operator(db):
    return create_user(roles=("operator",))


@pytest.fixture
def outsider(db):
    return create_user(roles=("viewer",))


@pytest.fixture
def administrator(db):
    return create_user(roles=("administrator",))


@pytest.fixture
def staff_operator(db):
    return create_user(roles=("operator",), is_staff=True)


@pytest.fixture
def staff_admin(db):
    return create_user(roles=("administrator",), is_staff=True)


@pytest.fixture
def org(db):
    return OrganizationFactory()


@pytest.fixture
def agent(org):
    return AgentFactory(organization=org)


@pytest.fixture
def as_user():
    return client_for
