"""Agents named by slug where people use names: recipients and senders by id or slug, errors by name and id."""

from __future__ import annotations

from guardian.shortcuts import assign_perm

from agents.models import AgentStatus, Delivery, Message
from tests.support.api import client_for, key_client
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.messaging import operator_of, send

URL = "/api/v1/messages/"


def post(client, **body):
    body.setdefault("performative", "inform")
    return client.post(URL, body, format="json")


def recipients_of(response) -> set:
    return set(Delivery.objects.filter(message_id=response.json()["id"]).values_list("recipient_id", flat=True))


def test_recipients_and_sender_by_slug_within_the_organization(org, alice, bob, carol):
    client = client_for(operator_of(org))
    response = post(client, sender="alice", to=["bob", str(carol.pk)])
    assert response.status_code == 201, response.content
    assert response.json()["sender_agent"] == str(alice.pk)
    assert recipients_of(response) == {bob.pk, carol.pk}
    twice = post(client, sender=str(alice.pk), to=["bob", str(bob.pk)])  # named by slug and by id: one delivery
    assert twice.status_code == 201 and recipients_of(twice) == {bob.pk}


def test_the_service_takes_slugs_too(alice, bob):
    assert {d.recipient_id for d in send(alice, to=["bob"]).message.deliveries.all()} == {bob.pk}


def test_an_unknown_or_malformed_slug_is_a_400_naming_to_and_writes_nothing(org, alice, bob):
    client = client_for(operator_of(org))
    for ref, words in (("nobody", "No such agent: nobody."), ("Not A Slug!", "neither an agent id nor")):
        response = post(client, sender="alice", to=["bob", ref])
        assert response.status_code == 400, response.content
        assert words in response.json()["fields"]["to"][0], response.json()
    assert Message.objects.count() == 0 and Delivery.objects.count() == 0


def test_another_organizations_slug_looks_exactly_like_a_missing_one(org, alice):
    other_org = OrganizationFactory()
    AgentFactory(organization=other_org, name="Dave", slug="dave")
    # Even a person who may operate both organizations cannot reach another organization's agent by slug:
    # a slug is looked up in the sender's organization only.
    both = operator_of(org)
    for verb in ("view", "operate"):
        assign_perm(f"{verb}_organization", both, other_org)
    for client in (client_for(operator_of(org)), client_for(both)):
        foreign, missing = post(client, sender="alice", to=["dave"]), post(client, sender="alice", to=["zed"])
        assert foreign.status_code == missing.status_code == 400
        assert foreign.json() == {**missing.json(), "detail": "No such agent: dave.",
                                  "fields": {"to": ["No such agent: dave."]}}
    # As a sender, another organization's slug the person cannot see answers like a slug nobody has.
    client = client_for(operator_of(org))
    foreign, missing = post(client, sender="dave", to=["alice"]), post(client, sender="zed", to=["alice"])
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert Message.objects.count() == 0


def test_a_slug_several_visible_organizations_use_asks_for_the_organization(org, alice, bob):
    other_org = OrganizationFactory()
    AgentFactory(organization=other_org, name="Alice", slug="alice")
    user = operator_of(org)
    for verb in ("view", "operate"):
        assign_perm(f"{verb}_organization", user, other_org)
    client = client_for(user)
    ambiguous = post(client, sender="alice", to=["bob"])
    assert ambiguous.status_code == 400 and "organization" in ambiguous.json()["fields"]
    chosen = post(client, sender="alice", organization=str(org.pk), to=["bob"])
    assert chosen.status_code == 201 and chosen.json()["sender_agent"] == str(alice.pk)


def test_an_agent_key_sends_as_itself_by_slug_to_slugs(org, alice, external, external_key):
    client = key_client(external_key)
    response = post(client, sender="ext", to=["alice"])
    assert response.status_code == 201, response.content
    assert recipients_of(response) == {alice.pk}
    other = post(client, sender="alice", to=["alice"])  # its own agent only, by slug as by id
    assert other.status_code == 403


def test_errors_name_the_agent_by_name_and_id(org, alice, bob):
    client = client_for(operator_of(org))
    bob.status = AgentStatus.PAUSED
    bob.save()
    paused = post(client, sender="alice", to=["bob"])
    assert paused.status_code == 400
    assert paused.json()["fields"]["to"] == [f"Bob ({bob.pk}) is paused: it cannot receive messages now."]
    alice.status = AgentStatus.STOPPED
    alice.save()
    bob.status = AgentStatus.ACTIVE
    bob.save()
    stopped = post(client, sender="alice", to=["bob"])
    assert stopped.status_code == 409 and stopped.json()["code"] == "sender_inactive"
    assert stopped.json()["fields"]["sender"][0].startswith(f"Alice ({alice.pk}) is stopped")


def test_a_batch_takes_slugs_and_names_the_item(org, alice, bob, carol):
    client = client_for(operator_of(org))
    response = client.post(f"{URL}batch/", {"messages": [
        {"sender": "alice", "performative": "inform", "to": ["bob"]},
        {"sender": "alice", "performative": "inform", "to": ["carol"]},
    ]}, format="json")
    assert response.status_code == 201, response.content
    assert [recipients_of_id(m["id"]) for m in response.json()] == [{bob.pk}, {carol.pk}]
    bad = client.post(f"{URL}batch/", {"messages": [
        {"sender": "alice", "performative": "inform", "to": ["bob"]},
        {"sender": "alice", "performative": "inform", "to": ["nobody"]},
    ]}, format="json")
    assert bad.status_code == 400 and "messages[1].to" in bad.json()["fields"]


def recipients_of_id(message_id) -> set:
    return set(Delivery.objects.filter(message_id=message_id).values_list("recipient_id", flat=True))
