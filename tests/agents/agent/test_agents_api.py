"""The agents API as a client sees it: lifecycle, versions, bad input, filters, constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditlog.models import AuditEvent
from tests.support.actors import grant
from tests.support.api import client_for
from tests.support.factories import AgentFactory, AgentGroupFactory, BeliefFactory, GoalFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_lifecycle_over_the_api(operator, agent):
    grant(operator, agent.organization, "view", "operate")
    client = client_for(operator)
    url = f"/api/v1/agents/{agent.pk}"
    assert client.post(f"{url}/pause/", {"reason": "quiet hours"}, format="json").json()["status"] == "paused"
    response = client.post(f"{url}/pause/")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    assert "status" in response.json()["fields"]
    assert client.post(f"{url}/restart/").status_code == 409
    assert client.post(f"{url}/resume/", {"version": 1}, format="json").status_code == 409  # stale
    assert client.post(f"{url}/resume/", {"version": 2}, format="json").json()["status"] == "active"
    assert AuditEvent.objects.filter(target_id=str(agent.pk), action="update").count() == 2


def test_agent_update_needs_the_current_version(operator, agent):
    grant(operator, agent.organization, "view", "change")
    client = client_for(operator)
    url = f"/api/v1/agents/{agent.pk}/"
    missing = client.patch(url, {"name": "X"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()["fields"]
    assert client.patch(url, {"name": "First", "version": 1}, format="json").json()["version"] == 2
    stale = client.patch(url, {"name": "Second", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version" and "version" in stale.json()["fields"]
    assert client.patch(url, {"name": "Third"}, format="json", HTTP_IF_MATCH='"2"').status_code == 200


def test_bad_references_and_values_name_the_field(operator, org):
    grant(operator, org, "view", "change")
    client = client_for(operator)
    a = AgentFactory(organization=org)
    b = AgentFactory(organization=org, supervisor=a)
    foreign = AgentFactory()
    cases = [
        (f"/api/v1/agents/{a.pk}/", {"supervisor": str(b.pk), "version": 1}, "supervisor"),
        (f"/api/v1/agents/{a.pk}/", {"supervisor": str(foreign.pk), "version": 1}, "supervisor"),
        (f"/api/v1/agents/{a.pk}/", {"slug": "Odd Slug!", "version": 1}, "slug"),
        (f"/api/v1/agents/{a.pk}/", {"config": {"x": "y" * 40000}, "version": 1}, "config"),
    ]
    for url, body, field in cases:
        response = client.patch(url, body, format="json")
        assert response.status_code == 400 and field in response.json()["fields"], (body, response.content)
    beliefs = f"/api/v1/agents/{a.pk}/beliefs/"
    response = client.post(beliefs, {"key": "k", "value": 1, "confidence": 1.5}, format="json")
    assert response.status_code == 400 and "confidence" in response.json()["fields"]
    assert client.post(beliefs, {"key": "k", "value": 1, "confidence": 0.5}, format="json").status_code == 201
    assert client.post(beliefs, {"key": "k", "value": 2}, format="json").status_code == 200
    goals = f"/api/v1/agents/{a.pk}/goals/"
    root = client.post(goals, {"name": "Root"}, format="json").json()
    child = client.post(goals, {"name": "Child", "parent": root["id"]}, format="json").json()
    cycle = client.patch(f"{goals}{root['id']}/", {"parent": child["id"]}, format="json")
    assert cycle.status_code == 400 and "parent" in cycle.json()["fields"]
    theirs = GoalFactory(agent=b)
    borrowed = client.post(goals, {"name": "Borrowed", "parent": str(theirs.pk)}, format="json")
    assert borrowed.status_code == 400 and "parent" in borrowed.json()["fields"]
    group = client.post("/api/v1/groups/", {"organization": str(org.pk), "name": "Ops"}, format="json").json()
    outsider = client.post(f"/api/v1/groups/{group['id']}/members/", {"agent": str(foreign.pk)}, format="json")
    assert outsider.status_code == 400 and "agent" in outsider.json()["fields"]


def test_filters_search_and_ordering(administrator, org):
    AgentFactory(organization=org, name="Zed", status="paused", kind="external")
    AgentFactory(organization=org, name="Amy")
    AgentFactory(name="Elsewhere")
    client = client_for(administrator)
    names = lambda q: [a["name"] for a in client.get(f"/api/v1/agents/?{q}").json()["results"]]  # noqa: E731
    assert names(f"organization={org.pk}&ordering=name") == ["Amy", "Zed"]
    assert names(f"organization={org.pk}&ordering=-name") == ["Zed", "Amy"]
    assert names("status=paused") == ["Zed"] and names("kind=external") == ["Zed"]
    assert names("search=elsew") == ["Elsewhere"]
    bad = client.get("/api/v1/agents/?status=sleeping")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["organizations", "agents", "roles", "groups", "beliefs", "goals"])
def test_list_endpoints_run_a_constant_number_of_queries(operator, kind, django_assert_max_num_queries):
    org = OrganizationFactory()
    grant(operator, org, "view")
    holder = AgentFactory(organization=org)

    def add(n: int) -> None:
        for _ in range(n):
            other = OrganizationFactory()
            grant(operator, other, "view")
            {"organizations": lambda: None,
             "agents": lambda: AgentFactory(organization=org, supervisor=holder),
             "roles": lambda: AgentFactory(organization=org),
             "groups": lambda: AgentGroupFactory(organization=org),
             "beliefs": lambda: BeliefFactory(agent=holder),
             "goals": lambda: GoalFactory(agent=holder)}[kind]()

    url = {"beliefs": f"/api/v1/agents/{holder.pk}/beliefs/?page_size=100",
           "goals": f"/api/v1/agents/{holder.pk}/goals/?page_size=100"}.get(kind, f"/api/v1/{kind}/?page_size=100")
    client = client_for(operator)
    client.get(url)  # the first request of a session records its use; measure the steady state
    add(2)
    few = _queries(client, url)
    add(25)
    many = _queries(client, url)
    assert many == few, (few, many)
    with django_assert_max_num_queries(12):
        client.get(url)
