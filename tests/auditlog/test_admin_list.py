"""The audit list as an investigator reads it (issue 19, part 6): IP and request id in the first columns, each
request id linked to every event of that request, targets linked to their admin pages, filters by target type,
organization and one object."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agents.organization.services.organizations import organization_update
from auditlog.admin import AuditEventAdmin
from auditlog.models import Action, AuditEvent
from auditlog.services import audit_record
from tests.support.actors import SYSTEM
from tests.support.api import create_user
from tests.support.factories import AgentFactory, AgentRoleFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:auditlog_auditevent_changelist"


def _shown(client, **params) -> set[int]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {event.pk for event in response.context["cl"].result_list}


def test_ip_and_request_id_come_first_and_link_to_their_request(client, superuser):
    assert AuditEventAdmin.list_display[:4] == ("seq", "occurred_at", "ip", "request")
    org = OrganizationFactory()
    create_user("bob", is_staff=True)
    client.force_login(superuser)
    access = reverse("admin:agents_organization_access", args=[org.pk])
    client.post(access, {"op": "grant", "user": "bob", "verbs": ["view", "operate"]},
                HTTP_X_REQUEST_ID="0123456789abcdef", REMOTE_ADDR="203.0.113.7")  # two events, one request
    client.post(access, {"op": "grant", "user": "bob", "verbs": ["change"]}, HTTP_X_REQUEST_ID="fedcba9876543210")
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert "203.0.113.7" in html and "<code>01234567</code>" in html
    assert f'user <a href="{reverse("admin:accounts_user_change", args=[superuser.pk])}">' in html
    link = f"{reverse(CHANGELIST)}?request_id=0123456789abcdef"
    assert f'href="{link}"' in html
    grants = AuditEvent.objects.filter(action=Action.PERMISSION_GRANTED, request_id="0123456789abcdef")
    assert grants.count() == 2 and set(grants.values_list("ip", flat=True)) == {"203.0.113.7"}
    assert _shown(client, request_id="0123456789abcdef") == set(grants.values_list("pk", flat=True))


def test_targets_link_to_their_admin_pages(client, superuser):
    agent = AgentFactory(name="Linked Agent")
    organization_update(organization=agent.organization, by=SYSTEM, description="linked")
    audit_record(action=Action.UPDATE, actor=SYSTEM, target=agent)
    client.force_login(superuser)
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert f'<a href="{reverse("admin:agents_agent_change", args=[agent.pk])}">Linked Agent</a>' in html
    assert f'href="{reverse("admin:agents_organization_change", args=[agent.organization.pk])}"' in html


def test_filters_by_target_type_by_one_object_and_by_organization(client, superuser):
    org, other = OrganizationFactory(), OrganizationFactory()
    agent, role = AgentFactory(organization=org), AgentRoleFactory(organization=org)
    outside = AgentFactory(organization=other)
    mine = [audit_record(action=Action.UPDATE, actor=SYSTEM, target=target) for target in (org, agent, role)]
    theirs = [audit_record(action=Action.UPDATE, actor=SYSTEM, target=target) for target in (other, outside)]
    config = audit_record(action=Action.CONFIG_CHANGED, actor=SYSTEM, target_type="config")
    client.force_login(superuser)
    assert _shown(client, organization=str(org.pk)) == {event.pk for event in mine}
    assert _shown(client, organization=str(other.pk)) >= {event.pk for event in theirs}
    assert _shown(client, organization="not-an-id") == set()
    agents = _shown(client, target_type="agents.agent")
    assert {mine[1].pk, theirs[1].pk} <= agents and config.pk not in agents and mine[0].pk not in agents
    assert _shown(client, target_type="agents.agent", target_id=str(agent.pk)) == {mine[1].pk}
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "By organization" in page and "By target type" in page


def test_the_list_with_its_filters_runs_a_constant_number_of_queries(client, superuser,
                                                                      django_assert_max_num_queries):
    org = OrganizationFactory()
    for number in range(30):
        audit_record(action=Action.UPDATE, actor=SYSTEM, target=AgentFactory(organization=org),
                     note=str(number))
    client.force_login(superuser)
    with django_assert_max_num_queries(9):
        assert client.get(reverse(CHANGELIST), {"organization": str(org.pk)}).status_code == 200
    assert AuditEvent.objects.count() >= 30
