"""Fixtures of the agents tests: users with and without grants, an onboarded organization, API clients."""

from __future__ import annotations

import pytest

from agents.organization.services.organizations import organization_grant
from auditlog.actors import Actor
from tests.agents.factories import AgentFactory, OrganizationFactory
from tests.support.api import api, client_for, create_user, make_user, reset_shared_state  # noqa: F401

SYSTEM = Actor.system("tests")


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
def org(db):
    return OrganizationFactory()


@pytest.fixture
def agent(org):
    return AgentFactory(organization=org)


def grant(user, obj, *verbs: str) -> None:
    from agents.agent.services.agents import agent_grant
    from agents.models import Agent

    if isinstance(obj, Agent):
        agent_grant(agent=obj, user=user, verbs=verbs or ("view",), by=SYSTEM)
    else:
        organization_grant(organization=obj, user=user, verbs=verbs or ("view",), by=SYSTEM)


@pytest.fixture
def as_user():
    return client_for
