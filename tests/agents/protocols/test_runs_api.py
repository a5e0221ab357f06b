"""protocols/ (issue 14, parts 7 and 8): who sees runs, starting one as an agent you operate, a person
answering as a participant (accepted, or refused with the reason and nothing sent), cancel (409 once closed),
and a list whose queries do not grow with its length."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from agents.keys.services import agent_key_create
from agents.models import AgentEvent, AgentKind, Message, ProtocolRun, ProtocolSession
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user, key_client
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.openapi import assert_conforms, served_schema
from tests.support.permission_matrix import PermissionMatrix
from tests.support.protocols import protocol_run
from tests.support.reasoning import run_with_mail

pytestmark = pytest.mark.django_db


class TestProtocolRunPermissions(PermissionMatrix):
    list_url = "/api/v1/protocols/"
    detail_url = "/api/v1/protocols/{pk}/"
    write_url = "/api/v1/protocols/{pk}/cancel/"
    write_method = "post"
    write_payload = {"reason": "changed my mind"}
    write_action = "operate"

    def make_object(self):
        return protocol_run()

    def grant(self, user, action, obj):
        assign_perm(f"{action}_organization", user, obj.organization)


def _operator(org):
    person = create_user()
    grant(person, org, "view", "operate")
    return person


def _start(client, initiator, to, **body):
    return client.post("/api/v1/protocols/", {"protocol": "request", "initiator": str(initiator.pk),
                                              "to": str(to.pk), "content": {"cut": 10}, **body}, format="json")


def test_start_as_an_agent_you_operate_creates_the_run_and_sends_the_request_audited(org):
    ceo, supplier = AgentFactory(organization=org), AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    person = _operator(org)
    response = _start(client_for(person), ceo, supplier, response_timeout=5, result_timeout=60)
    assert response.status_code == 201, response.content
    body = response.json()
    run = ProtocolRun.objects.get(pk=body["id"])
    assert (run.protocol, run.performative, run.state, run.initiator_id) == ("fipa-request", "request",
                                                                              "awaiting_response", ceo.pk)
    assert run.intention_id is None and run.result_timeout == 60
    assert [s["participant"] for s in body["sessions"]] == [str(supplier.pk)]
    assert body["allowed"] == ["agree", "failure", "inform", "not-understood", "refuse"]
    [message] = body["messages"]
    assert (message["performative"], message["conversation_id"], message["protocol"]) == (
        "request", str(run.pk), "fipa-request")
    assert Message.objects.get(pk=message["id"]).reply_by == run.response_by
    assert AuditEvent.objects.filter(target_id=str(run.pk), action="create", actor_id=str(person.pk)).count() == 1


def test_start_as_an_agent_you_may_not_operate_is_403_or_404_and_writes_nothing(org):
    ceo, supplier = AgentFactory(organization=org), AgentFactory(organization=org)
    viewer = create_user()
    grant(viewer, org, "view")
    assert _start(client_for(viewer), ceo, supplier).status_code == 403
    stranger = create_user()
    assert _start(client_for(stranger), ceo, supplier).status_code == 404
    assert not ProtocolRun.objects.exists() and not Message.objects.exists()
    assert not AuditEvent.objects.filter(target_type="agents.protocolrun").exists()


def test_bad_start_input_is_a_400_naming_the_field_and_nothing_is_written(org):
    ceo = AgentFactory(organization=org)
    client = client_for(_operator(org))
    for body, field in (({"protocol": "gossip"}, "protocol"), ({"response_timeout": 0}, "response_timeout"),
                        ({"to": str(ceo.pk)}, "to")):
        response = client.post("/api/v1/protocols/", {"protocol": "request", "initiator": str(ceo.pk),
                                                      "to": str(AgentFactory(organization=org).pk), **body},
                               format="json")
        assert response.status_code == 400 and field in response.json()["fields"], (body, response.content)
    elsewhere = AgentFactory(organization=OrganizationFactory())
    response = _start(client, ceo, elsewhere)
    assert response.status_code == 400 and "to" in response.json()["fields"]
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    response = _start(client, external, ceo)
    assert response.status_code == 400 and "initiator" in response.json()["fields"]
    assert not ProtocolRun.objects.exists() and not Message.objects.exists()


def _reply(client, run, sender, performative, content=None):
    return client.post(f"/api/v1/protocols/{run.pk}/reply/", {"sender": str(sender.pk),
                                                              "performative": performative, "content": content},
                       format="json")


def test_a_person_answers_as_the_participant_and_the_initiator_takes_the_replies():
    run = protocol_run()
    supplier = ProtocolSession.objects.get(run=run).participant
    person = _operator(run.organization)
    client = client_for(person)
    agree = _reply(client, run, supplier, "agree")
    assert agree.status_code == 201, agree.content
    assert agree.json()["conversation_id"] == str(run.pk) and agree.json()["in_reply_to"] is not None
    run_with_mail()  # the initiator's cycle applies the reply: the run now waits for the result
    run.refresh_from_db()
    assert run.state == "awaiting_result" and run.result_by is not None
    assert _reply(client, run, supplier, "inform", {"cut": "done"}).status_code == 201
    run_with_mail()
    run.refresh_from_db()
    assert (run.state, run.result) == ("done", {"cut": "done"})
    detail = client.get(f"/api/v1/protocols/{run.pk}/").json()
    assert [m["performative"] for m in detail["messages"]] == ["request", "agree", "inform"]
    assert detail["sessions"][0]["state"] == "done" and detail["allowed"] == []
    assert AuditEvent.objects.filter(target_type="agents.message", action="create",
                                     actor_id=str(person.pk)).count() == 2  # a person speaking as the agent


def test_a_reply_the_run_cannot_take_is_a_409_naming_why_and_nothing_is_sent():
    run = protocol_run()
    supplier = ProtocolSession.objects.get(run=run).participant
    client = client_for(_operator(run.organization))
    response = _reply(client, run, supplier, "propose")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "protocol_reply_refused" and "propose is not allowed in awaiting response" in body["detail"]
    run.initiator.refresh_from_db()
    response = _reply(client, run, run.initiator, "agree")  # the initiator is not a participant: 400 naming it
    assert response.status_code == 400 and "sender" in response.json()["fields"]
    assert list(Message.objects.values_list("performative", flat=True)) == ["request"]
    run.refresh_from_db()
    assert run.state == "awaiting_response" and run.rejected == []


def test_replying_as_an_agent_you_may_not_operate_is_403():
    run = protocol_run()
    supplier = ProtocolSession.objects.get(run=run).participant
    viewer = create_user()
    grant(viewer, run.organization, "view")
    assert _reply(client_for(viewer), run, supplier, "agree").status_code == 403
    assert Message.objects.count() == 1


def test_cancel_ends_the_run_tells_the_participant_and_a_second_cancel_is_409():
    run = protocol_run()
    client = client_for(_operator(run.organization))
    response = client.post(f"/api/v1/protocols/{run.pk}/cancel/", {"reason": "no longer needed"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["phase"], body["reason"]) == ("cancelled", "closed", "no longer needed")
    assert body["sessions"][0]["state"] == "cancelled"
    assert [m["performative"] for m in body["messages"]] == ["request", "cancel"]
    event = AgentEvent.objects.get(agent=run.initiator, kind="protocol")
    assert event.args["state"] == "cancelled" and event.args["run"] == str(run.pk)
    again = client.post(f"/api/v1/protocols/{run.pk}/cancel/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "protocol_run_closed", again.content
    assert Message.objects.filter(performative="cancel").count() == 1
    assert AuditEvent.objects.filter(target_id=str(run.pk), action="update").count() == 1


def test_the_list_filters_and_its_queries_do_not_grow_with_its_length(org):
    person = _operator(org)
    client = client_for(person)
    first = protocol_run(organization=org)
    protocol_run(organization=org, opening="query-ref")
    protocol_run()  # another organization's
    rows = client.get("/api/v1/protocols/?page_size=100").json()["results"]
    assert len(rows) == 2
    assert [r["protocol"] for r in client.get("/api/v1/protocols/?protocol=fipa-query").json()["results"]] == [
        "fipa-query"]
    assert [r["id"] for r in client.get(f"/api/v1/protocols/?initiator={first.initiator_id}").json()["results"]] == [
        str(first.pk)]
    assert client.get("/api/v1/protocols/?state=done").json()["results"] == []
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/protocols/?page_size=100").status_code == 200
    for _ in range(38):
        protocol_run(organization=org)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/protocols/?page_size=100").json()["results"]) == 40
    assert len(many) == len(few)


def test_an_agent_key_is_401_everywhere_even_the_participants_own():
    run = protocol_run()
    supplier = ProtocolSession.objects.get(run=run).participant
    _key, raw = agent_key_create(agent=supplier, by=SYSTEM)
    client = key_client(raw)
    assert client.get("/api/v1/protocols/").status_code == 401
    assert client.get(f"/api/v1/protocols/{run.pk}/").status_code == 401
    assert _reply(client, run, supplier, "agree").status_code == 401
    assert client.post(f"/api/v1/protocols/{run.pk}/cancel/", {}, format="json").status_code == 401


def test_a_closed_run_takes_no_reply_and_the_answers_conform_to_the_served_schema():
    run = protocol_run()
    supplier = ProtocolSession.objects.get(run=run).participant
    client = client_for(_operator(run.organization))
    schema = served_schema(client)
    assert_conforms(schema, "GET", "/api/v1/protocols/", client.get("/api/v1/protocols/"))
    assert_conforms(schema, "GET", "/api/v1/protocols/{id}/", client.get(f"/api/v1/protocols/{run.pk}/"))
    assert_conforms(schema, "POST", "/api/v1/protocols/{id}/reply/", _reply(client, run, supplier, "agree"))
    assert_conforms(schema, "POST", "/api/v1/protocols/{id}/cancel/",
                    client.post(f"/api/v1/protocols/{run.pk}/cancel/", {}, format="json"))
    late = _reply(client, run, supplier, "inform", "too late")
    assert late.status_code == 409 and "the run is closed (cancelled)" in late.json()["detail"]
    assert Message.objects.filter(performative="inform").count() == 0
    ceo, to = AgentFactory(organization=run.organization), AgentFactory(organization=run.organization)
    assert_conforms(schema, "POST", "/api/v1/protocols/", _start(client, ceo, to))
