"""approvals/: who sees and who decides (operate on the organization, or the named user role), a decision
taken once (409), after the deadline never (409), bad input a 400 naming the field, two people at once: one
wins; the list's queries do not grow with its length."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from agents.models import AgentEvent
from agents.reasoning.approvals.api import approvals as approvals_api
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from auditlog.models import AuditEvent
from tests.support.actors import grant
from tests.support.api import client_for, create_user, fields_of
from tests.support.approvals import approval_request
from tests.support.factories import AgentFactory
from tests.support.openapi import assert_conforms, served_schema
from tests.support.permission_matrix import PermissionMatrix


class TestApprovalPermissions(PermissionMatrix):
    list_url = "/api/v1/approvals/"
    detail_url = "/api/v1/approvals/{pk}/"
    write_url = "/api/v1/approvals/{pk}/approve/"
    write_method = "post"
    write_payload = {"comment": "fine"}
    write_action = "operate"

    def make_object(self):
        return approval_request()

    def grant(self, user, action, obj):
        assign_perm(f"{action}_organization", user, obj.agent.organization)


def _approve(client, request, **body):
    return client.post(f"/api/v1/approvals/{request.pk}/approve/", body, format="json")


def _nothing_written(request):
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING and request.decided_at is None
    assert not AgentEvent.objects.filter(agent=request.agent, kind="approval").exists()
    assert not AuditEvent.objects.filter(target_id=str(request.pk)).exists()


@pytest.mark.django_db
def test_a_decision_is_taken_once_the_second_is_a_409_and_changes_nothing():
    request = approval_request()
    person = create_user()
    grant(person, request.agent.organization, "view", "operate")
    client = client_for(person)
    assert _approve(client, request).status_code == 200
    for url in ("approve", "reject"):
        again = client.post(f"/api/v1/approvals/{request.pk}/{url}/", {"comment": "no"}, format="json")
        assert again.status_code == 409 and again.json()["code"] == "approval_decided", again.content
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED and request.comment == ""
    assert AgentEvent.objects.filter(agent=request.agent, kind="approval").count() == 1
    assert AuditEvent.objects.filter(target_id=str(request.pk)).count() == 1


@pytest.mark.django_db
def test_after_the_deadline_it_is_a_409_and_nothing_is_written():
    request = approval_request(seconds=-1)
    person = create_user()
    grant(person, request.agent.organization, "view", "operate")
    response = _approve(client_for(person), request)
    assert response.status_code == 409 and response.json()["code"] == "approval_expired"
    _nothing_written(request)


@pytest.mark.django_db
def test_a_bad_comment_is_a_400_naming_it_and_nothing_is_written():
    request = approval_request()
    person = create_user()
    grant(person, request.agent.organization, "view", "operate")
    for comment in ("x" * 2001, "nul\x00", ["a list"]):
        response = _approve(client_for(person), request, comment=comment)
        assert response.status_code == 400 and "comment" in fields_of(response), response.content
    _nothing_written(request)


@pytest.mark.django_db
def test_a_request_of_a_user_role_is_decided_by_its_members_who_see_the_organization():
    Group.objects.get_or_create(name="finance")
    request = approval_request(of="finance")
    operator, member, stranger = create_user(), create_user(), create_user()
    grant(operator, request.agent.organization, "view", "operate")
    grant(member, request.agent.organization, "view")
    member.groups.add(Group.objects.get(name="finance"))
    stranger.groups.add(Group.objects.get(name="finance"))
    refused = _approve(client_for(operator), request)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert _approve(client_for(stranger), request).status_code == 404  # a member who cannot see it
    _nothing_written(request)
    assert _approve(client_for(member), request, comment="yes").status_code == 200


@pytest.mark.django_db
def test_an_agent_key_may_not_decide():
    from tests.support.api import key_client

    request = approval_request()
    assert _approve(key_client(request.agent), request).status_code == 401


@pytest.mark.django_db
def test_the_list_filters_by_status_and_its_queries_do_not_grow(django_assert_num_queries):
    agent = AgentFactory()
    person = create_user()
    grant(person, agent.organization, "view", "operate")
    client = client_for(person)
    decided = approval_request(agent)
    _approve(client, decided)
    pending = approval_request(agent)
    rows = client.get("/api/v1/approvals/?status=pending").json()["results"]
    assert [row["id"] for row in rows] == [str(pending.pk)]
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/approvals/")
    for _ in range(20):
        approval_request(AgentFactory(organization=agent.organization))
    with django_assert_num_queries(len(few)):
        assert len(client.get("/api/v1/approvals/").json()["results"]) == 22


@pytest.mark.django_db
def test_the_answers_conform_to_the_served_schema():
    request = approval_request()
    person = create_user()
    grant(person, request.agent.organization, "view", "operate")
    client = client_for(person)
    schema = served_schema(client)
    assert_conforms(schema, "GET", "/api/v1/approvals/", client.get("/api/v1/approvals/"))
    assert_conforms(schema, "GET", "/api/v1/approvals/{id}/", client.get(f"/api/v1/approvals/{request.pk}/"))
    rejected = client.post(f"/api/v1/approvals/{request.pk}/reject/", {"comment": "no"}, format="json")
    assert_conforms(schema, "POST", "/api/v1/approvals/{id}/reject/", rejected)
    assert_conforms(schema, "POST", "/api/v1/approvals/{id}/approve/", _approve(client, request))


@pytest.mark.django_db(transaction=True)
def test_an_approve_and_a_reject_at_once_one_wins_the_other_is_a_409(monkeypatch):
    request = approval_request()
    person = create_user(is_superuser=True, is_staff=True)
    both_in = threading.Barrier(2, timeout=20)
    original = approvals_api.approval_decide

    def meet_then_decide(**kwargs):
        both_in.wait()  # both have read the request as pending before either decides
        return original(**kwargs)

    monkeypatch.setattr(approvals_api, "approval_decide", meet_then_decide)
    answers: list[tuple[int, str]] = []

    def post(action: str) -> None:
        try:
            response = client_for(person).post(f"/api/v1/approvals/{request.pk}/{action}/", {}, format="json")
            answers.append((response.status_code, response.json().get("code", response.json().get("status"))))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(action,)) for action in ("approve", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    codes = sorted(answers)
    assert [status for status, _ in codes] == [200, 409] and codes[1][1] == "approval_decided", codes
    winner = ApprovalRequest.objects.get(pk=request.pk).status
    assert codes[0][1] == winner
    assert AgentEvent.objects.filter(agent=request.agent, kind="approval").count() == 1
    assert AuditEvent.objects.filter(target_id=str(request.pk)).count() == 1


@pytest.mark.django_db
def test_a_request_whose_intention_was_dropped_is_a_409_and_the_sweeper_closes_it():
    from agents.reasoning.approvals.services import approvals_expire
    from agents.reasoning.intentions.services import intention_drop

    request = approval_request()
    person = create_user()
    grant(person, request.agent.organization, "view", "operate")
    intention_drop(intention=request.intention, by=person)
    response = _approve(client_for(person), request)
    assert response.status_code == 409 and response.json()["code"] == "approval_closed"
    assert not AgentEvent.objects.filter(agent=request.agent, kind="approval").exists()
    assert approvals_expire() == 1
    request.refresh_from_db()
    assert request.status == ApprovalStatus.EXPIRED and "no longer waits" in request.comment
    assert approvals_expire() == 0
