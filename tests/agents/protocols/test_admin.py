"""Protocol runs in the admin (issue 14, parts 7 and 8): only visible runs, in constant queries; the change
page's sequence diagram; cancel through the service (operate needed); a person answering as a participant."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.models import Message, ProtocolRun, ProtocolSession
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.protocols import protocol_run

pytestmark = pytest.mark.django_db

LIST = "/admin/agents/protocolrun/"


def _staff(org, *verbs):
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, *verbs)
    return user


def test_the_list_shows_visible_runs_only_in_constant_queries(org):
    mine = protocol_run(organization=org)
    protocol_run()  # another organization's
    client = staff_client(_staff(org, "view"))
    response = client.get(LIST)
    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [mine.pk]
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(10):
        protocol_run(organization=org)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).context["cl"].result_count == 11
    assert len(many) == len(few)


def test_the_change_page_draws_the_sequence_diagram(org):
    run = protocol_run(organization=org)
    page = staff_client(_staff(org, "view")).get(f"{LIST}{run.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="seq"' in html and "mabos/protocols.css" in html
    assert ">request <tspan" in html and "awaiting response" in html


def test_cancel_needs_operate_and_goes_through_the_service(org):
    run = protocol_run(organization=org)
    act = {"action": "cancel", "_selected_action": [str(run.pk)]}
    page = staff_client(_staff(org, "view")).post(LIST, act, follow=True)
    assert b"you may not cancel it" in page.content
    assert ProtocolRun.objects.get(pk=run.pk).state == "awaiting_response"
    operator = staff_client(_staff(org, "view", "operate"))
    assert b"Cancelled 1 run(s)" in operator.post(LIST, act, follow=True).content
    assert ProtocolRun.objects.get(pk=run.pk).state == "cancelled"
    assert b"only an open run can be cancelled" in operator.post(LIST, act, follow=True).content


def test_a_person_answers_as_the_participant_in_the_admin(org):
    run = protocol_run(organization=org)
    supplier = ProtocolSession.objects.get(run=run).participant
    url = f"{LIST}{run.pk}/reply/"
    assert staff_client(_staff(org, "view")).get(url).status_code == 403
    client = staff_client(_staff(org, "view", "operate"))
    assert client.get(url).status_code == 200
    refused = client.post(url, {"sender": str(supplier.pk), "performative": "propose", "content": "null"})
    assert refused.status_code == 200 and b"propose is not allowed in awaiting response" in refused.content
    sent = client.post(url, {"sender": str(supplier.pk), "performative": "agree", "content": '{"eta": 3}'})
    assert sent.status_code == 302, sent.content
    reply = Message.objects.get(performative="agree")
    assert (reply.sender_agent_id, reply.conversation_id, reply.content) == (supplier.pk, run.pk, {"eta": 3})
