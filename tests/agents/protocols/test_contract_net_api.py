"""A Contract-Net through protocols/ (issue 14 parts 2, 7 and 8): a person starts a cfp as an agent they
operate (to several agents, with a reply-by or a timeout), people answer for external bidders, and a
person decides the call (``decide/``) when no plan of the initiator does. Every bad body is a 400 naming
its field, every refused move a 409, and nothing is written then."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.models import AgentKind, Message, ProtocolRun
from auditlog.models import AuditEvent
from tests.support.actors import grant
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.reasoning import World, run_with_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(org):
    """An internal buyer with no plan for the call, three external bidders, and a person operating them."""
    buyer = AgentFactory(organization=org, slug="buyer")
    bidders = [AgentFactory(organization=org, slug=f"s{index}", kind=AgentKind.EXTERNAL) for index in range(3)]
    person = create_user()
    grant(person, org, "view", "operate")
    return buyer, bidders, client_for(person), person


def _cfp(client, buyer, to, **body):
    return client.post("/api/v1/protocols/", {"protocol": "cfp", "initiator": str(buyer.pk),
                                              "to": [str(agent.pk) for agent in to], "content": {"item": "mugs"},
                                              **body}, format="json")


def _reply(client, run_id, sender, performative, content=None):
    return client.post(f"/api/v1/protocols/{run_id}/reply/", {"sender": str(sender.pk), "performative": performative,
                                                              "content": content}, format="json")


def test_a_cfp_started_through_the_api_reaches_every_bidder_with_its_reply_by(market):
    buyer, bidders, client, person = market
    reply_by = timezone.now() + datetime.timedelta(seconds=90)
    response = _cfp(client, buyer, bidders, reply_by=reply_by.isoformat())
    assert response.status_code == 201, response.content
    body = response.json()
    run = ProtocolRun.objects.get(pk=body["id"])
    assert (run.protocol, run.performative, run.state, run.intention_id) == (
        "fipa-contract-net", "cfp", "awaiting_response", None)
    assert abs((run.response_by - reply_by).total_seconds()) < 1
    assert sorted(s["participant"] for s in body["sessions"]) == sorted(str(agent.pk) for agent in bidders)
    [cfp] = Message.objects.filter(conversation_id=run.pk)
    assert set(cfp.deliveries.values_list("recipient_id", flat=True)) == {agent.pk for agent in bidders}
    assert cfp.reply_by == run.response_by
    [audit] = AuditEvent.objects.filter(target_id=str(run.pk), action="create", actor_id=str(person.pk))
    assert audit.changes["participants"][1] == [str(agent.pk) for agent in bidders]


def test_people_bid_for_external_agents_and_a_person_decides_the_call(market):
    buyer, (cheap, dear, silent), client, person = market
    run_id = _cfp(client, buyer, [cheap, dear, silent], response_timeout=60).json()["id"]
    assert _reply(client, run_id, cheap, "propose", {"price": 9}).status_code == 201
    assert _reply(client, run_id, dear, "propose", {"price": 12}).status_code == 201
    assert _reply(client, run_id, silent, "refuse", {"reason": "busy"}).status_code == 201
    run_with_mail()  # the buyer's cycle takes the answers: the call closes
    assert client.get(f"/api/v1/protocols/{run_id}/").json()["state"] == "awaiting_decision"

    # An accept for a proposal never made: a 400 naming accept, nothing written.
    sent = Message.objects.count()
    response = client.post(f"/api/v1/protocols/{run_id}/decide/", {"accept": [str(silent.pk)]}, format="json")
    assert response.status_code == 400 and "accept" in response.json()["fields"], response.content
    assert Message.objects.count() == sent

    response = client.post(f"/api/v1/protocols/{run_id}/decide/", {"accept": [str(cheap.pk)], "content": "go"},
                           format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "awaiting_result" and body["result_by"]
    sessions = {s["participant"]: s["state"] for s in body["sessions"]}
    assert sessions == {str(cheap.pk): "awaiting_result", str(dear.pk): "rejected", str(silent.pk): "refused"}
    acts = [(m["performative"], m["content"]) for m in body["messages"]][-2:]
    assert acts == [("accept-proposal", "go"), ("reject-proposal", {"reason": "not_accepted"})]
    assert AuditEvent.objects.filter(target_id=run_id, action="update", actor_id=str(person.pk)).count() == 1

    # Decided twice: a 409, nothing sent.
    sent = Message.objects.count()
    response = client.post(f"/api/v1/protocols/{run_id}/decide/", {"accept": [str(dear.pk)]}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "protocol_run_not_deciding"
    assert Message.objects.count() == sent

    assert _reply(client, run_id, cheap, "inform", {"delivered": 100}).status_code == 201
    run_with_mail()
    run = client.get(f"/api/v1/protocols/{run_id}/").json()
    assert run["state"] == "done" and run["result"] == [
        {"participant": str(cheap.pk), "performative": "inform", "content": {"delivered": 100}}]


def test_a_call_an_agents_plan_started_is_not_decided_by_a_person(org):
    world = World("buyer", "b0")
    world.plans("""
        +!buy : true <- .start_protocol(cfp, [b0], "desk", Bids, 30, 600); .wait(600).
        ^message:cfp(Task, Sender) <- .send(Sender, propose, 10).
    """)
    person = create_user()
    grant(person, world.org, "view", "operate")
    world.goal("buyer", "buy")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "awaiting_decision"
    response = client_for(person).post(f"/api/v1/protocols/{run.pk}/decide/", {"accept": [str(world.b0.pk)]},
                                       format="json")
    assert response.status_code == 409 and response.json()["code"] == "protocol_run_decided_by_plan"
    run.refresh_from_db()
    assert run.state == "awaiting_decision"


def test_deciding_needs_operate_on_the_initiator(market, org):
    buyer, bidders, client, _person = market
    run_id = _cfp(client, buyer, bidders[:1]).json()["id"]
    viewer = create_user()
    grant(viewer, org, "view")
    response = client_for(viewer).post(f"/api/v1/protocols/{run_id}/decide/", {"accept": [str(bidders[0].pk)]},
                                       format="json")
    assert response.status_code == 403
    assert client_for(create_user()).post(f"/api/v1/protocols/{run_id}/decide/", {"accept": [str(bidders[0].pk)]},
                                          format="json").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"to": []}, "to"),
    ({"to": "not-a-uuid"}, "to"),
    ({"reply_by": "2001-01-01T00:00:00Z"}, "reply_by"),
    ({"reply_by": "2999-01-01T00:00:00Z"}, "reply_by"),
    ({"reply_by": "soon"}, "reply_by"),
    ({"reply_by": "2999-01-01T00:00:00Z", "response_timeout": 5}, "reply_by"),
    ({"protocol": "request"}, "to"),                     # a request to three agents
])
def test_a_bad_cfp_is_a_400_naming_the_field_and_writes_nothing(market, body, field):
    buyer, bidders, client, _person = market
    payload = {"protocol": "cfp", "initiator": str(buyer.pk), "to": [str(agent.pk) for agent in bidders], **body}
    response = client.post("/api/v1/protocols/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert not ProtocolRun.objects.exists() and not Message.objects.exists()


def test_a_cfp_to_an_agent_of_another_organization_is_refused_like_a_missing_one(market):
    buyer, bidders, client, _person = market
    stranger = AgentFactory(organization=OrganizationFactory())
    response = _cfp(client, buyer, [bidders[0], stranger])
    assert response.status_code == 400 and "to" in response.json()["fields"], response.content
    assert not ProtocolRun.objects.exists()


def test_a_late_proposal_from_a_person_is_sent_and_rejected_late_by_the_initiators_cycle(market):
    buyer, (early, late, _third), client, _person = market
    run_id = _cfp(client, buyer, [early, late], response_timeout=30).json()["id"]
    assert _reply(client, run_id, early, "propose", {"price": 9}).status_code == 201
    run_with_mail()
    ProtocolRun.objects.filter(pk=run_id).update(response_by=timezone.now() - datetime.timedelta(seconds=1))
    response = _reply(client, run_id, late, "propose", {"price": 1})
    assert response.status_code == 201, response.content
    run_with_mail()
    body = client.get(f"/api/v1/protocols/{run_id}/").json()
    assert body["state"] == "awaiting_decision"
    assert [entry["why"] for entry in body["rejected"]] == ["late"]
    assert {s["participant"]: s["state"] for s in body["sessions"]} == {str(early.pk): "proposed",
                                                                        str(late.pk): "timeout"}
    [rejection] = [m for m in body["messages"] if m["performative"] == "reject-proposal"]
    assert rejection["content"] == {"reason": "late"} and rejection["recipients"] == [str(late.pk)]
    # A second one after its session timed out is sent too: late is the initiator's answer, recorded again.
    assert _reply(client, run_id, late, "propose", {"price": 1}).status_code == 201
    run_with_mail()
    assert [entry["why"] for entry in client.get(f"/api/v1/protocols/{run_id}/").json()["rejected"]] == ["late"] * 2


def _cfp_queries(org, bidders: int) -> int:
    buyer = AgentFactory(organization=org)
    to = [AgentFactory(organization=org, kind=AgentKind.EXTERNAL) for _ in range(bidders)]
    person = create_user()
    grant(person, org, "view", "operate")
    client = client_for(person)
    with CaptureQueriesContext(connection) as queries:
        assert _cfp(client, buyer, to).status_code == 201
    return len(queries)


def test_starting_a_cfp_costs_the_same_queries_for_2_and_for_10_bidders(org):
    _cfp_queries(org, 1)  # the first request of the test fills per-process caches
    assert _cfp_queries(org, 2) == _cfp_queries(org, 10)
