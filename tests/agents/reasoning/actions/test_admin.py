"""Action requests in the admin: read-only, only the requests of agents the staff member may view, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.reasoning.actions.services import NewActionRequest, action_requests_insert, actions_run_due
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/agents/actionrequest/"


@pytest.fixture
def staff_viewer(org):
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, "view")
    return user


def add(agent, count, name="notify", args=None):
    start = agent.action_requests.count()
    action_requests_insert(requests=[
        NewActionRequest(agent=agent, name=name, idempotency_key=f"{agent.pk}:{start + n}",
                         args=args or {"subject": f"note {start + n}"}) for n in range(count)])


def test_the_list_shows_visible_agents_requests_only(org, agent, staff_viewer):
    add(agent, 2)
    add(AgentFactory(organization=OrganizationFactory()), 3, name="log", args={"message": "theirs"})
    actions_run_due()
    response = staff_client(staff_viewer).get(LIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    assert {row.agent_id for row in response.context["cl"].result_list} == {agent.pk}
    filtered = staff_client(staff_viewer).get(LIST, {"name": "log"})
    assert filtered.context["cl"].result_count == 0


def test_a_request_is_shown_and_never_written(org, agent, staff_viewer):
    add(agent, 1, name="notify", args={"subject": "Cash is low", "text": "Runway under 3 months."})
    actions_run_due()
    request = agent.action_requests.get()
    client = staff_client(staff_viewer)
    page = client.get(f"{LIST}{request.pk}/change/")
    assert page.status_code == 200 and b"Cash is low" in page.content and b"succeeded" in page.content
    assert b'name="_save"' not in page.content
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}{request.pk}/delete/", {"post": "yes"}).status_code == 403
    assert agent.action_requests.count() == 1


def test_anothers_request_is_not_found(org, staff_viewer):
    other = AgentFactory(organization=OrganizationFactory())
    add(other, 1)
    request = other.action_requests.get()
    response = staff_client(staff_viewer).get(f"{LIST}{request.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect to its index, as for any hidden row


def test_the_list_costs_the_same_for_2_and_20_requests(org, agent, staff_viewer):
    client = staff_client(staff_viewer)
    add(agent, 2)
    client.get(LIST)  # warm: content types, permission caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    add(AgentFactory(organization=org), 18)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert response.context["cl"].result_count == 20
    assert len(many.captured_queries) == len(few.captured_queries) <= 15
