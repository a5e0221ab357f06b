"""Approve and Reject on the dashboard: real POSTs (with the CSRF token the page carries) to the approvals
admin's decide view, through the same rule and service as its actions; a decision taken twice, or by a viewer
without operate, is refused with a message and changes nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from agents.models import AgentEvent
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from auditlog.models import AuditEvent
from tests.support.actors import grant
from tests.support.api import create_user
from tests.support.approvals import approval_request
from tests.support.factories import AgentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def staff(org, *verbs):
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, *verbs)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def dashboard(client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def decide(client, request, decision: str, **extra):
    """Press the button as the browser would: the form's action and CSRF token read from the dashboard."""
    page = dashboard(client)
    row = page.split(f'id="mabos-approval-{request.pk}"', 1)[1].split("</tr>", 1)[0]
    action = re.search(r'<form method="post" action="([^"]+)"', row).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row).group(1)
    return client.post(action, {"csrfmiddlewaretoken": token, "decision": decision, "next": "/admin/", **extra},
                       follow=True)


def state(request) -> tuple:
    """What a decision would change: the request, the agent's events, the audit trail."""
    row = ApprovalRequest.objects.get(pk=request.pk)
    return (row.status, row.decided_by_id, AgentEvent.objects.filter(kind="approval").count(),
            AuditEvent.objects.filter(target_type="agents.approvalrequest").count())


@pytest.fixture
def org():
    return OrganizationFactory(name="Gate Keepers")


@pytest.fixture
def cfo(org):
    return AgentFactory(organization=org, name="CFO")


def test_an_operator_approves_from_the_dashboard_and_the_agent_is_told(org, cfo):
    request = approval_request(cfo, name="pay_invoice", question="Pay the 900 EUR invoice?")
    client = staff(org, "view", "operate")
    assert "Pay the 900 EUR invoice?" in dashboard(client)

    response = decide(client, request, "approved")

    assert response.redirect_chain[-1][0] == "/admin/"
    page = response.content.decode()
    assert "Approved “pay_invoice” of CFO (Gate Keepers)." in page
    assert figure_total(page) == 0 and "Nothing waits for a person." in page
    status, decided_by, events, audits = state(request)
    assert (status, events, audits) == (ApprovalStatus.APPROVED, 1, 1) and decided_by is not None
    event = AgentEvent.objects.get(kind="approval")
    assert event.agent_id == cfo.pk and event.args["decision"] == "approved"


def test_a_decision_taken_twice_is_refused_with_a_message_and_nothing_changes(org, cfo):
    request = approval_request(cfo, name="pay_invoice")
    first, second = staff(org, "view", "operate"), staff(org, "view", "operate")
    page = dashboard(second)  # a second operator has the dashboard open with the buttons on it
    row = page.split(f'id="mabos-approval-{request.pk}"', 1)[1].split("</tr>", 1)[0]
    action = re.search(r'action="([^"]+)"', row).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row).group(1)
    decide(first, request, "rejected")
    before = state(request)

    response = second.post(action, {"csrfmiddlewaretoken": token, "decision": "approved", "next": "/admin/"},
                           follow=True)

    text = response.content.decode()
    assert "Not decided: “pay_invoice” of CFO (Gate Keepers)" in text and "can be decided only once" in text
    assert state(request) == before and before[0] == ApprovalStatus.REJECTED


def test_a_viewer_is_refused_with_a_message_and_nothing_changes(org, cfo):
    request = approval_request(cfo, name="pay_invoice")
    viewer = staff(org, "view")
    page = dashboard(viewer)
    row = page.split(f'id="mabos-approval-{request.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "<form" not in row and "needs operate on the organization" in row  # no buttons it may not press
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    token = token.group(1) if token else viewer.cookies["csrftoken"].value
    before = state(request)

    response = viewer.post(f"/admin/agents/approvalrequest/{request.pk}/decide/",
                           {"csrfmiddlewaretoken": token, "decision": "approved", "next": "/admin/"}, follow=True)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Not decided: you may not decide “pay_invoice” of CFO (Gate Keepers); it takes operate on the " \
           "organization." in text
    assert state(request) == before == (ApprovalStatus.PENDING, None, 0, 0)


def test_bad_input_and_strangers(org, cfo):
    request = approval_request(cfo, name="pay_invoice")
    operator = staff(org, "view", "operate")
    dashboard(operator)
    token = operator.cookies["csrftoken"].value
    url = f"/admin/agents/approvalrequest/{request.pk}/decide/"
    before = state(request)

    text = operator.post(url, {"csrfmiddlewaretoken": token, "decision": "maybe", "next": "/admin/"},
                         follow=True).content.decode()
    assert "Nothing was decided: decision must be one of approved, rejected, not &#x27;maybe&#x27;." in text
    text = operator.post(url, {"csrfmiddlewaretoken": token, "decision": "rejected", "comment": "x" * 5000,
                               "next": "/admin/"}, follow=True).content.decode()
    assert "Not decided: “pay_invoice” of CFO (Gate Keepers): comment:" in text
    assert state(request) == before, "a refused decision writes nothing"
    assert operator.get(url).status_code == 405
    assert operator.post(url, {"decision": "approved"}).status_code == 403  # no CSRF token
    away = operator.post(url, {"csrfmiddlewaretoken": token, "decision": "rejected",
                               "next": "https://elsewhere.example/"})
    assert away["Location"] == f"/admin/agents/approvalrequest/{request.pk}/change/"  # never off the site
    assert state(request)[0] == ApprovalStatus.REJECTED
    other = approval_request(AgentFactory(organization=OrganizationFactory()))
    stranger_url = f"/admin/agents/approvalrequest/{other.pk}/decide/"
    assert operator.post(stranger_url, {"csrfmiddlewaretoken": token, "decision": "approved"}).status_code == 404
    assert ApprovalRequest.objects.get(pk=other.pk).status == ApprovalStatus.PENDING


def figure_total(page: str) -> int:
    return int(re.search(r'id="mabos-approvals-total">(\d+)<', page).group(1))
