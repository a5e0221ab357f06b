"""The database holds the invariants of organizations, agents and groups even when the services are bypassed.

Beliefs and goals have theirs in tests/agents/reasoning/test_constraints.py."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from agents.models import JSON_MAX_CHARS, Agent, Belief, Membership, MembershipRole
from mabos.integrity import run_integrity_checks
from tests.support.factories import (
    AgentFactory,
    AgentGroupFactory,
    AgentRoleFactory,
    GoalFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def violations() -> set[str]:
    return {v.check.name for v in run_integrity_checks()}


def test_json_values_over_the_size_limit_are_refused():
    agent = AgentFactory()
    refused(lambda: Belief.objects.create(agent=agent, key="big", value="x" * (JSON_MAX_CHARS + 1)))
    refused(lambda: Agent.objects.filter(pk=agent.pk).update(config={"blob": "x" * JSON_MAX_CHARS}))


@pytest.mark.parametrize("slug", ["Has-Caps", "under_score", "-lead", "trail-", "double--dash", "sp ace", ""])
def test_slugs_with_odd_characters_are_refused(slug):
    refused(lambda: OrganizationFactory(slug=slug))
    refused(lambda: AgentFactory(slug=slug))


def test_agent_slug_unique_within_org_only():
    agent = AgentFactory(slug="ceo")
    refused(lambda: AgentFactory(organization=agent.organization, slug="ceo"))
    AgentFactory(slug="ceo")


def test_status_kind_and_version_are_constrained():
    agent = AgentFactory()
    refused(lambda: Agent.objects.filter(pk=agent.pk).update(status="sleeping"))
    refused(lambda: Agent.objects.filter(pk=agent.pk).update(kind="robot"))
    refused(lambda: Agent.objects.filter(pk=agent.pk).update(version=0))


def test_supervisor_must_be_of_the_same_organization():
    boss = AgentFactory()
    worker = AgentFactory()
    refused(lambda: Agent.objects.filter(pk=worker.pk).update(supervisor=boss))
    refused(lambda: Agent.objects.filter(pk=worker.pk).update(supervisor=worker))


def test_supervisor_cycles_are_refused_by_the_database():
    a = AgentFactory()
    b = AgentFactory(organization=a.organization, supervisor=a)
    c = AgentFactory(organization=a.organization, supervisor=b)
    refused(lambda: Agent.objects.filter(pk=a.pk).update(supervisor=c))


def test_agent_role_of_another_organization_is_refused():
    agent = AgentFactory()
    foreign_role = AgentRoleFactory()
    refused(lambda: Agent.objects.filter(pk=agent.pk).update(role=foreign_role))
    template = AgentRoleFactory(organization=None)
    Agent.objects.filter(pk=agent.pk).update(role=template)


def test_membership_must_stay_in_one_organization():
    group = AgentGroupFactory()
    outsider = AgentFactory()
    refused(lambda: Membership.objects.create(organization=group.organization, group=group, agent=outsider))
    refused(lambda: Membership.objects.create(organization=outsider.organization, group=group, agent=outsider))


def test_one_leader_per_group_and_one_membership_per_agent():
    first = MembershipFactory(role=MembershipRole.LEADER)
    other = AgentFactory(organization=first.organization)
    refused(lambda: MembershipFactory(group=first.group, agent=other, role=MembershipRole.LEADER))
    refused(lambda: MembershipFactory(group=first.group, agent=first.agent))


def test_integrity_checks_are_clean_on_good_data_and_report_bad_rows():
    boss = AgentFactory()
    AgentFactory(organization=boss.organization, supervisor=boss)
    root = GoalFactory()
    GoalFactory(agent=root.agent, parent=root)
    assert not {name for name in violations() if name.startswith("agents.")}


def test_integrity_checks_find_what_the_database_would_refuse():
    """Drop the triggers and keys for one transaction (as on SQLite) and let check_integrity find the damage."""
    from django.db import connection

    a = AgentFactory()
    b = AgentFactory(organization=a.organization, supervisor=a)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire pending FK checks so ALTER may run
            cursor.execute("ALTER TABLE agents_agent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE agents_agent DROP CONSTRAINT agent_supervisor_same_org")
        Agent.objects.filter(pk=a.pk).update(supervisor=b)
        Agent.objects.filter(pk=b.pk).update(role=AgentRoleFactory())
        foreign = AgentFactory()
        Agent.objects.filter(pk=foreign.pk).update(supervisor=a)
        found = violations()
        assert {"agents.supervisor_acyclic", "agents.role_in_agent_org", "agents.supervisor_in_agent_org"} <= found
        transaction.set_rollback(True)
