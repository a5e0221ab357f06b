"""Approval requests in the admin: only visible agents' requests, approve/reject actions through the service
(operate needed), a change page with the question, the agent's reason and its trace's words."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.models import AgentEvent
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from auditlog.models import AuditEvent
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.approvals import approval_request
from tests.support.factories import AgentFactory
from tests.support.reasoning import World, run_cycles

pytestmark = pytest.mark.django_db

LIST = "/admin/agents/approvalrequest/"


def _staff(org, *verbs):
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, *verbs)
    return user


def _act(client, action, *requests):
    return client.post(LIST, {"action": action, "_selected_action": [str(r.pk) for r in requests]}, follow=True)


def test_the_list_shows_visible_agents_requests_only_in_constant_queries(org):
    mine = approval_request(AgentFactory(organization=org))
    approval_request()  # another organization's
    client = staff_client(_staff(org, "view"))
    response = client.get(LIST)
    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [mine.pk]
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(10):
        approval_request(AgentFactory(organization=org))
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).context["cl"].result_count == 11
    assert len(many) == len(few)


def test_the_actions_approve_and_reject_through_the_service_and_need_operate(org):
    first, second = approval_request(AgentFactory(organization=org)), approval_request(AgentFactory(organization=org))
    viewer = staff_client(_staff(org, "view"))
    page = _act(viewer, "approve", first)
    assert b"you may not decide it" in page.content
    assert ApprovalRequest.objects.get(pk=first.pk).status == ApprovalStatus.PENDING

    operator = staff_client(_staff(org, "view", "operate"))
    assert b"Approved 1 request(s)" in _act(operator, "approve", first).content
    assert b"Rejected 1 request(s)" in _act(operator, "reject", second).content
    again = _act(operator, "reject", first)
    assert b"can be decided only once" in again.content
    statuses = dict(ApprovalRequest.objects.values_list("pk", "status"))
    assert statuses == {first.pk: ApprovalStatus.APPROVED, second.pk: ApprovalStatus.REJECTED}
    assert AgentEvent.objects.filter(kind="approval").count() == 2
    assert AuditEvent.objects.filter(target_type="agents.approvalrequest").count() == 2


def test_the_change_page_shows_the_question_the_reason_and_the_trace():
    world = World("cfo")
    world.plans('@pay_invoice +!pay <- .ask_approval(payment, "Pay the 900 EUR invoice?"); +paid.')
    world.goal("cfo", "pay")
    run_cycles()
    request = ApprovalRequest.objects.get(agent=world.cfo)
    client = staff_client(_staff(world.org, "view"))
    page = client.get(f"{LIST}{request.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Pay the 900 EUR invoice?" in text
    assert "plan `pay_invoice` v1, step body[0]" in text
    assert "asked operators for approval payment" in text  # the step's words in the trace
    assert 'name="_save"' not in text
    assert client.post(f"{LIST}{request.pk}/delete/", {"post": "yes"}).status_code == 403
