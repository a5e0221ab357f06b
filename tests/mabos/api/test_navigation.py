"""A navigable API: the root lists the resources, objects carry ``url`` and ``display``, links can be followed
from an organization to its agents, an agent's inbox, a message and its conversation; the browsable API's
POST form starts from the input, not the output shape."""

from __future__ import annotations

import html
import re

import pytest

from agents.messaging.services.delivery import delivery_dispatch_due
from agents.messaging.services.send import message_send
from agents.models import AgentKind
from tests.support.actors import SYSTEM
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.messaging import operator_of
from tests.support.openapi import assert_conforms, served_schema

pytestmark = pytest.mark.django_db


def test_the_root_lists_the_resources_and_each_can_be_followed(client):
    admin = client_for(create_user(roles=("administrator",)))
    body = admin.get("/api/v1/").json()
    resources = body["resources"]
    assert {"organizations", "agents", "groups", "roles", "messages", "dead_letters", "plans", "protocols"} \
        <= set(resources)
    for name, url in resources.items():
        assert url.startswith("http://testserver/api/v1/"), (name, url)
        answer = admin.get(url)
        assert answer.status_code in (200, 400, 405), (name, url, answer.status_code)  # permissions/ wants a target
    assert_conforms(served_schema(client), "GET", "/api/v1/", admin.get("/api/v1/"))


def test_urls_lead_from_an_organization_to_a_conversation(client):
    org = OrganizationFactory(name="Demo Online Retailer")
    ceo = AgentFactory(organization=org, name="CEO", slug="ceo")
    ext = AgentFactory(organization=org, name="Ext", slug="ext", kind=AgentKind.EXTERNAL)
    sent = message_send(organization=org, sender_agent=ceo, by=SYSTEM, performative="request", to=[ext.pk]).message
    delivery_dispatch_due()
    operator = client_for(operator_of(org))
    schema = served_schema(client)

    organization = operator.get(f"/api/v1/organizations/{org.pk}/").json()
    assert organization["display"] == "Demo Online Retailer"
    assert operator.get(organization["url"]).json()["id"] == str(org.pk)
    agents = operator.get(organization["agents"])
    assert agents.status_code == 200
    assert {a["display"] for a in agents.json()["results"]} == {"CEO — Demo Online Retailer",
                                                                "Ext — Demo Online Retailer"}
    agent = next(a for a in agents.json()["results"] if a["slug"] == "ext")
    assert operator.get(agent["url"]).json()["id"] == str(ext.pk)
    assert operator.get(agent["organization_url"]).json()["id"] == str(org.pk)
    sent_or_received = operator.get(agent["messages"])
    assert [m["id"] for m in sent_or_received.json()["results"]] == [str(sent.pk)]
    ceo_body = next(a for a in agents.json()["results"] if a["slug"] == "ceo")
    assert [m["id"] for m in operator.get(ceo_body["messages"]).json()["results"]] == [str(sent.pk)]
    assert operator.get(f"/api/v1/messages/?agent={organization['id']}").json()["results"] == []
    inbox = operator.get(agent["inbox"])
    assert_conforms(schema, "GET", "/api/v1/agents/{id}/inbox/", inbox)
    delivery = inbox.json()["results"][0]
    assert operator.get(delivery["url"]).status_code == 200
    message = delivery["message"]
    assert message["display"] == "request from CEO"
    detail = operator.get(message["url"])
    assert_conforms(schema, "GET", "/api/v1/messages/{id}/", detail)
    conversation = operator.get(detail.json()["conversation"])
    assert conversation.status_code == 200
    assert [m["id"] for m in conversation.json()["messages"]] == [str(sent.pk)]
    group_list = operator.get(organization["groups"])
    assert group_list.status_code == 200


def _raw_form(response) -> str:
    match = re.search(r'<textarea[^>]*data-override="content"[^>]*>(.*?)</textarea>', response.content.decode(), re.S)
    assert match, "no raw data form"
    return html.unescape(match.group(1))


def test_the_browsable_post_forms_start_from_the_input(client):
    staff = create_user(is_staff=True, roles=("administrator",))
    client.force_login(staff)
    send_form = _raw_form(client.get("/api/v1/messages/", HTTP_ACCEPT="text/html"))
    assert '"performative": "inform"' in send_form and '"to": [' in send_form and "conversation_id" not in send_form
    agent_form = _raw_form(client.get("/api/v1/agents/", HTTP_ACCEPT="text/html"))
    assert '"role"' in agent_form and '"name"' in agent_form
    assert "created_at" not in agent_form and '"url"' not in agent_form  # not the output shape
    batch_form = _raw_form(client.get("/api/v1/messages/batch/", HTTP_ACCEPT="text/html"))
    assert '"messages"' in batch_form  # a view without a serializer of its own gets its input too
