"""Fixtures of the messaging tests: an organization with internal agents, an external agent with a key."""

from __future__ import annotations

import pytest
from django.test import override_settings

from agents.keys.services import agent_key_create
from agents.models import AgentKind
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, OrganizationFactory


@pytest.fixture
def org(db):
    return OrganizationFactory()


@pytest.fixture
def alice(org):
    return AgentFactory(organization=org, name="Alice", slug="alice")


@pytest.fixture
def bob(org):
    return AgentFactory(organization=org, name="Bob", slug="bob")


@pytest.fixture
def carol(org):
    return AgentFactory(organization=org, name="Carol", slug="carol")


@pytest.fixture
def external(org):
    return AgentFactory(organization=org, name="Ext", slug="ext", kind=AgentKind.EXTERNAL)


@pytest.fixture
def external_key(external):
    _key, raw = agent_key_create(agent=external, by=SYSTEM, name="runtime")
    return raw


@pytest.fixture
def fast_retries():
    """Retries due at once and few attempts, so a dead letter is a few sweeps away."""
    with override_settings(MESSAGING={"MAX_ATTEMPTS": 2, "BACKOFF_BASE_SECONDS": 0.0, "BACKOFF_CAP_SECONDS": 0.0,
                                      "ACK_TIMEOUT_SECONDS": 300.0, "LEASE_SECONDS": 30.0, "BATCH_SIZE": 500,
                                      "MAX_RECIPIENTS": 5000, "PUBLISH_TIMEOUT_SECONDS": 0.25,
                                      "BREAKER_FAIL_MAX": 5, "BREAKER_RESET_SECONDS": 10.0,
                                      "SWEEPER_INTERVAL_SECONDS": 5.0}):
        yield
