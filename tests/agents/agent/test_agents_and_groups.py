"""Agents and groups through the services: bad input is refused naming the field, writes audited."""

from __future__ import annotations

import pytest

from agents.agent.services.agents import agent_create, agent_delete, agent_update
from agents.agent.services.groups import group_create, membership_add, membership_update
from agents.common.errors import StaleVersion
from agents.keys.services import agent_key_create
from agents.models import JSON_MAX_CHARS, AgentKind, MembershipRole
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, AgentGroupFactory, AgentRoleFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def field_of(exc_info) -> set[str]:
    return set(exc_info.value.fields)


def test_agent_create_refuses_foreign_role_supervisor_and_duplicate_slug(org, agent):
    other = OrganizationFactory()
    foreign_role = AgentRoleFactory(organization=other)
    with pytest.raises(InvalidInput) as info:
        agent_create(organization=org, role=foreign_role, name="X", by=SYSTEM)
    assert field_of(info) == {"role"}
    with pytest.raises(InvalidInput) as info:
        agent_create(organization=org, role=agent.role, name="X", by=SYSTEM, supervisor=AgentFactory(organization=other))
    assert field_of(info) == {"supervisor"}
    with pytest.raises(InvalidInput) as info:
        agent_create(organization=org, role=agent.role, name="Dup", slug=agent.slug, by=SYSTEM)
    assert field_of(info) == {"slug"}
    template = AgentRoleFactory(organization=None)
    created = agent_create(organization=org, role=template, name="Sales Bot", by=SYSTEM, supervisor=agent)
    assert created.slug == "sales-bot" and created.supervisor == agent and created.version == 1


def test_supervisor_cycles_are_refused(org):
    a = AgentFactory(organization=org)
    b = AgentFactory(organization=org, supervisor=a)
    c = AgentFactory(organization=org, supervisor=b)
    with pytest.raises(InvalidInput) as info:
        agent_update(agent=a, by=SYSTEM, expected_version=a.version, supervisor=c)
    assert field_of(info) == {"supervisor"}
    with pytest.raises(InvalidInput):
        agent_update(agent=a, by=SYSTEM, expected_version=a.version, supervisor=a)


def test_agent_update_is_versioned_and_audited(agent):
    agent_update(agent=agent, by=SYSTEM, expected_version=1, name="Renamed", config={"tone": "formal"})
    assert agent.version == 2 and agent.name == "Renamed"
    event = AuditEvent.objects.get(target_id=str(agent.pk), action="update")
    assert event.changes["name"][1] == "Renamed" and event.changes["version"] == [1, 2]
    with pytest.raises(StaleVersion):
        agent_update(agent=agent, by=SYSTEM, expected_version=1, name="Late")
    with pytest.raises(InvalidInput) as info:
        agent_update(agent=agent, by=SYSTEM, expected_version=2, status="paused")
    assert field_of(info) == {"status"}
    with pytest.raises(InvalidInput) as info:
        agent_update(agent=agent, by=SYSTEM, expected_version=2, config={"x": "y" * JSON_MAX_CHARS})
    assert field_of(info) == {"config"}


def test_agent_delete_is_audited(agent):
    pk = agent.pk
    agent_delete(agent=agent, by=SYSTEM)
    assert AuditEvent.objects.filter(target_id=str(pk), action="delete").exists()


def test_external_agents_with_keys_cannot_turn_internal(org):
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    agent_key_create(agent=external, by=SYSTEM)
    with pytest.raises(InvalidInput) as info:
        agent_update(agent=external, by=SYSTEM, expected_version=1, kind=AgentKind.INTERNAL)
    assert field_of(info) == {"kind"}


def test_groups_keep_to_one_organization_and_one_leader(org):
    group = group_create(organization=org, name="Pricing", by=SYSTEM)
    with pytest.raises(InvalidInput) as info:
        group_create(organization=org, name="Pricing", by=SYSTEM)
    assert field_of(info) == {"name"}
    with pytest.raises(InvalidInput) as info:
        membership_add(group=group, agent=AgentFactory(), by=SYSTEM)
    assert field_of(info) == {"agent"}
    lead = membership_add(group=group, agent=AgentFactory(organization=org), by=SYSTEM, role=MembershipRole.LEADER)
    second = membership_add(group=group, agent=AgentFactory(organization=org), by=SYSTEM)
    with pytest.raises(InvalidInput) as info:
        membership_update(membership=second, role=MembershipRole.LEADER, by=SYSTEM)
    assert field_of(info) == {"role"}
    with pytest.raises(InvalidInput):
        membership_add(group=group, agent=lead.agent, by=SYSTEM)
    assert AuditEvent.objects.filter(target_type="agents.membership", action="create").count() == 2
    assert AgentGroupFactory().organization != org
