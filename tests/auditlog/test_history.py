"""The admin's HISTORY is the audit trail (issue 19, part 6): an object's audit events, newest first, with who,
when, what changed and the request (IP, request id linked to all its events); the same mixin on every project
admin; a constant number of queries however long the trail."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services.permissions import permission_grant
from agents.agent.services.agents import agent_update
from agents.organization.services.organizations import organization_update
from auditlog.history import AUDITED_APPS, AuditHistoryAdminMixin
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _history(obj) -> str:
    return reverse(f"admin:agents_{obj._meta.model_name}_history", args=[obj.pk])


def _seqs(response) -> list[int]:
    return [row["event"].seq for row in response.context["events"]]


def _events_of(obj):
    return AuditEvent.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


def test_every_project_admin_shows_the_audit_trail_as_its_history():
    project = {model: model_admin for model, model_admin in admin.site._registry.items()
               if model._meta.app_label in AUDITED_APPS}
    assert len(project) > 15  # agents, accounts, mabos and the roles: the check has something to check
    missing = [model._meta.label for model, model_admin in project.items()
               if not isinstance(model_admin, AuditHistoryAdminMixin)]
    assert missing == []
    assert not isinstance(admin.site._registry[AuditEvent], AuditHistoryAdminMixin)


def test_an_organizations_history_lists_its_events_newest_first_with_the_request(client):
    root = create_user("root", is_staff=True, is_superuser=True)
    org = OrganizationFactory(name="Old Name")
    create_user("bob", is_staff=True)
    client.force_login(root)
    client.post(reverse("admin:agents_organization_access", args=[org.pk]),
                {"op": "grant", "user": "bob", "verbs": ["view"]}, HTTP_X_REQUEST_ID="req-grant-0001")
    organization_update(organization=org, by=SYSTEM, name="New Name")
    response = client.get(_history(org))
    assert response.status_code == 200
    expected = list(_events_of(org).order_by("-seq").values_list("seq", flat=True))
    assert len(expected) >= 2 and _seqs(response) == expected  # newest first, nothing else's
    html = response.content.decode()
    newest, grant = response.context["events"][0], next(
        row for row in response.context["events"] if row["event"].action == "permission_granted")
    assert newest["event"].action == "update" and newest["changes"] == [
        {"field": "name", "before": "Old Name", "after": "New Name"}]
    assert "Old Name" in html and "New Name" in html and "system tests" in html.replace("</span> ", " ")
    event = grant["event"]
    assert event.ip == "127.0.0.1" and event.request_id and event.actor_name == "root"
    assert f'<a href="{reverse("admin:accounts_user_change", args=[root.pk])}">root</a>' in html
    request_url = f"{reverse('admin:auditlog_auditevent_changelist')}?request_id={event.request_id}"
    assert grant["request_url"] == request_url and request_url in html.replace("&amp;", "&")
    assert '<td class="audit-ip">127.0.0.1</td>' in html
    listed = client.get(request_url)  # the link: every event of that request, this one among them
    assert event.pk in {row.pk for row in listed.context["cl"].result_list}
    assert {row.request_id for row in listed.context["cl"].result_list} == {event.request_id}


def test_an_agents_history_lists_its_events_newest_first():
    root = create_user("root", is_staff=True, is_superuser=True)
    agent = AgentFactory(name="First")
    agent = agent_update(agent=agent, by=SYSTEM, expected_version=agent.version, name="Second")
    agent_update(agent=agent, by=SYSTEM, expected_version=agent.version, name="Third")
    other = AgentFactory(organization=agent.organization)
    agent_update(agent=other, by=SYSTEM, expected_version=other.version, name="Someone else")
    response = staff_client(root).get(_history(agent))
    rows = response.context["events"]
    assert _seqs(response) == sorted(_seqs(response), reverse=True) and len(rows) == 2
    assert [row["changes"][0]["after"] for row in rows] == ["Third", "Second"]
    assert "Someone else" not in response.content.decode()


def test_someone_who_may_view_the_object_reads_its_history_without_ips_or_request_links():
    org = OrganizationFactory()
    organization_update(organization=org, by=SYSTEM, description="changed")
    viewer = create_user("viewer", roles=("operator",), is_staff=True)
    permission_grant(by=SYSTEM, obj=org, action="view", user=viewer)
    response = staff_client(viewer).get(_history(org))
    assert response.status_code == 200 and len(response.context["events"]) >= 2
    assert response.context["all_url"] is None and response.context["shows_ip"] is False
    assert all(row["request_url"] is None for row in response.context["events"])
    assert 'class="audit-ip"' not in response.content.decode()
    stranger = create_user("stranger", roles=("operator",), is_staff=True)
    refused = staff_client(stranger).get(_history(org))
    assert refused.status_code == 302 and "changed" not in refused.content.decode()


def test_the_history_runs_a_constant_number_of_queries(django_assert_num_queries):
    root = create_user("root", is_staff=True, is_superuser=True)
    org = OrganizationFactory()
    client = staff_client(root)
    client.get(_history(org))  # content types and the session, once

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_history(org)).status_code == 200
        return len(queries)

    for number in range(3):
        organization_update(organization=org, by=SYSTEM, description=f"change {number}")
    few = count()
    for number in range(30):
        organization_update(organization=org, by=SYSTEM, description=f"more {number}")
    with django_assert_num_queries(few):
        response = client.get(_history(org))
    assert len(response.context["events"]) == _events_of(org).count() == 33  # one page holds them all
