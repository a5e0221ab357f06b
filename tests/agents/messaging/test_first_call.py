"""The developer's first call: Swagger's example for POST messages/ works as it stands.

The example is read from the served schema, exactly as Swagger UI shows it: with the sender and recipient of
an onboarded organization (slugs ``ceo`` and ``cfo``) it is sent unchanged; with any other agents, only the
sender and the recipient are filled in.
"""

from __future__ import annotations

from agents.models import Delivery, Message
from tests.support.api import client_for
from tests.support.factories import AgentFactory
from tests.support.messaging import operator_of
from tests.support.openapi import assert_conforms, served_schema


def _example(schema, path):
    content = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    return next(iter(content["examples"].values()))["value"]


def test_the_swagger_example_holds_only_what_a_first_send_needs(client):
    example = _example(served_schema(client), "/api/v1/messages/")
    assert set(example) == {"sender", "performative", "to", "content"}  # no organization, expiry, reply, conversation


def test_the_swagger_example_filled_with_a_sender_and_a_recipient_is_a_201(client, org, alice, bob):
    schema = served_schema(client)
    body = {**_example(schema, "/api/v1/messages/"), "sender": str(alice.pk), "to": [str(bob.pk)]}
    response = client_for(operator_of(org)).post("/api/v1/messages/", body, format="json")
    assert response.status_code == 201, response.content
    assert_conforms(schema, "POST", "/api/v1/messages/", response)
    assert list(Delivery.objects.filter(message_id=response.json()["id"]).values_list("recipient_id", flat=True)) \
        == [bob.pk]


def test_the_swagger_examples_work_unchanged_in_an_onboarded_organization(client, org):
    ceo = AgentFactory(organization=org, name="CEO", slug="ceo")
    cfo = AgentFactory(organization=org, name="CFO", slug="cfo")
    schema = served_schema(client)
    operator = client_for(operator_of(org))
    response = operator.post("/api/v1/messages/", _example(schema, "/api/v1/messages/"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["sender_agent"] == str(ceo.pk)
    batch = operator.post("/api/v1/messages/batch/", _example(schema, "/api/v1/messages/batch/"), format="json")
    assert batch.status_code == 201, batch.content
    assert set(Delivery.objects.values_list("recipient_id", flat=True)) == {cfo.pk}
    # Two newcomers following the example do not end up in one conversation.
    assert Message.objects.values("conversation_id").distinct().count() == Message.objects.count() == 3
