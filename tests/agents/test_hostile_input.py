"""Hostile input through the HTTP doors is a 400 (or a 404) naming what was wrong, never a 500.

The bodies are sent as raw JSON text so that escapes such as ``\\u0000`` and
``\\ud800`` reach the server exactly as a hostile client would write them.

Cross-cutting, so it sits in tests/agents/ itself: the same hostile values go through the doors of every
package at once (the token endpoint, messages and batches, beliefs, organizations, agents, roles), because
the guarantee is that no door forgets the check, and one table of cases shows a door that does.
"""

from __future__ import annotations

import json

import pytest
from django.db.models import TextField
from django.db.models.functions import Cast, Length

from agents.common.validation import json_size
from agents.models import JSON_MAX_CHARS, Agent, AgentRole, Belief, Message, Organization
from tests.support.actors import grant
from tests.support.api import PASSWORD, client_for, create_user, fields_of
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db

NUL, SURROGATE = "x\u0000y", "x\ud800y"
DEEP = "[" * 1000 + "]" * 1000


def post_raw(client, url: str, body: object, method: str = "post"):
    """JSON text with every non-ASCII character escaped: \\u0000 and \\ud800 arrive as escapes."""
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def owner(org):
    user = create_user(roles=("operator",))
    grant(user, org, "view", "change", "operate")
    return user


def test_deep_json_is_a_400_even_unauthenticated_at_the_token_endpoint(db):
    response = client_for().post("/api/v1/auth/token/", data=DEEP, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "too_deep"
    nested = '{"username": "u", "password": ' + DEEP + "}"
    response = client_for().post("/api/v1/auth/token/", data=nested, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "too_deep"


def test_deep_json_is_a_400_for_a_signed_in_sender(org, owner, agent):
    bob = AgentFactory(organization=org)
    body = json.dumps({"sender": str(agent.pk), "performative": "inform", "to": [str(bob.pk)], "content": 0})
    body = body.replace('"content": 0', '"content": ' + "[" * 200 + "]" * 200)
    response = client_for(owner).post("/api/v1/messages/", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "too_deep", response.content[:300]
    assert Message.objects.count() == 0


def test_a_nul_or_lone_surrogate_at_the_token_endpoint_is_a_400_naming_the_field(db):
    create_user("alice")
    for bad in (NUL, SURROGATE):
        response = post_raw(client_for(), "/api/v1/auth/token/", {"username": "alice", "password": bad})
        assert "password" in fields_of(response)
        response = post_raw(client_for(), "/api/v1/auth/token/", {"username": bad, "password": PASSWORD})
        assert "username" in fields_of(response)


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_unstorable_strings_in_json_and_text_fields_are_a_400_naming_the_field(org, owner, agent, bad):
    client = client_for(owner)
    bob = AgentFactory(organization=org)
    send = {"sender": str(agent.pk), "performative": "inform", "to": [str(bob.pk)]}
    cases = [
        ("/api/v1/messages/", "post", {**send, "content": {"note": ["ok", bad]}}, "content.note[1]"),
        ("/api/v1/messages/", "post", {**send, "content": {bad: 1}}, "content"),
        ("/api/v1/messages/", "post", {**send, "topic": bad}, "topic"),
        ("/api/v1/messages/batch/", "post", {"messages": [send, {**send, "content": bad}]},
         "messages[1].content"),
        (f"/api/v1/agents/{agent.pk}/beliefs/", "post", {"key": bad, "value": 1}, "key"),
        (f"/api/v1/agents/{agent.pk}/beliefs/", "post", {"key": "stock", "value": {"a": bad}}, "value.a"),
        (f"/api/v1/organizations/{org.pk}/", "patch", {"profile": {"size": bad}},
         "profile.size"),
        (f"/api/v1/organizations/{org.pk}/", "patch", {"name": bad}, "name"),
        (f"/api/v1/agents/{agent.pk}/", "patch", {"config": {"model": bad}, "version": agent.version},
         "config.model"),
        ("/api/v1/roles/", "post", {"organization": str(org.pk), "name": "R", "slug": "r",
                                    "default_goals": [{"name": bad}]}, "default_goals[0].name"),
    ]
    for url, method, body, field in cases:
        response = post_raw(client, url, body, method)
        fields = fields_of(response)
        assert field in fields, (url, body, fields)
    assert Message.objects.count() == 0 and not Belief.objects.exists()
    assert not AgentRole.objects.filter(slug="r").exists()
    assert Organization.objects.get(pk=org.pk).profile == org.profile
    assert Agent.objects.get(pk=agent.pk).config == agent.config


def test_non_finite_numbers_are_a_400_naming_the_field(org, owner, agent):
    """1e400 is valid JSON that Python reads as infinity, which PostgreSQL's jsonb cannot hold."""
    url = f"/api/v1/agents/{agent.pk}/beliefs/"
    for number in ("1e400", "-1e400"):
        body = '{"key": "k", "value": {"n": NUMBER}}'.replace("NUMBER", number)
        response = client_for(owner).post(url, data=body, content_type="application/json")
        assert "value.n" in fields_of(response), number
    for literal in ("NaN", "Infinity"):  # not JSON at all
        body = '{"key": "k", "value": LITERAL}'.replace("LITERAL", literal)
        response = client_for(owner).post(url, data=body, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == "parse_error", literal
    assert not Belief.objects.exists()


def test_numbers_postgresql_prints_longer_are_measured_as_postgresql_prints_them(org, owner, agent):
    """1e300 is 6 characters to Python and 301 to PostgreSQL's jsonb: 110 of them pass a naive check."""
    client = client_for(owner)
    response = post_raw(client, f"/api/v1/agents/{agent.pk}/beliefs/", {"key": "k", "value": [1e300] * 110})
    assert "value" in fields_of(response)
    response = post_raw(client, f"/api/v1/agents/{agent.pk}/", {"config": {"x": [1e-300] * 110},
                                                                 "version": agent.version}, "patch")
    assert "config" in fields_of(response)
    bob = AgentFactory(organization=org)
    response = post_raw(client, "/api/v1/messages/", {"sender": str(agent.pk), "performative": "inform",
                                                      "to": [str(bob.pk)], "content": [1e300] * 110})
    assert "content" in fields_of(response)
    assert not Belief.objects.exists() and Message.objects.count() == 0
    # Fewer of them fit, and the measure is exactly what the database's size constraint sees.
    value = [1e300] * 100 + [1e-300, 1.5e-7, 0.1, -2, 12345678901234567890]
    response = post_raw(client, f"/api/v1/agents/{agent.pk}/beliefs/", {"key": "k", "value": value})
    assert response.status_code == 201, response.content
    stored = Belief.objects.annotate(size=Length(Cast("value", TextField()))).get(agent=agent, key="k")
    assert stored.size == json_size(value) > JSON_MAX_CHARS - 3000
