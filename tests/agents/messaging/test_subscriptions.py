"""agents/{id}/subscriptions/: subscribe an agent to topics through the API; a topic send then reaches it.

The resource goes through the shared permission matrix too (an agent's grants)."""

from __future__ import annotations

from guardian.shortcuts import assign_perm

from agents.models import Delivery, Subscription
from auditlog.models import AuditEvent
from tests.support.api import client_for, create_user, key_client
from tests.support.factories import AgentFactory
from tests.support.permission_matrix import AgentChildMatrix


def manager_of(org):
    """May see, change (subscribe) and speak for every agent of ``org``."""
    user = create_user(roles=("operator",))
    for verb in ("view", "change", "operate"):
        assign_perm(f"{verb}_organization", user, org)
    return client_for(user)


def test_subscribe_list_and_unsubscribe_through_the_api(org, alice, bob):
    client = manager_of(org)
    url = f"/api/v1/agents/{bob.pk}/subscriptions/"
    created = client.post(url, {"topic_pattern": "sales.*", "performative": "cfp"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["topic_pattern"], body["performative"], body["agent"]) == ("sales.*", "cfp", str(bob.pk))
    assert client.post(url, {"topic_pattern": "news.#"}, format="json").status_code == 201
    assert [s["topic_pattern"] for s in client.get(url).json()["results"]] == ["news.#", "sales.*"]
    cfp = client.post("/api/v1/messages/", {"sender": str(alice.pk), "performative": "cfp", "topic": "sales.q3"},
                      format="json")
    inform = client.post("/api/v1/messages/", {"sender": str(alice.pk), "performative": "inform",
                                               "topic": "sales.q3"}, format="json")
    assert cfp.status_code == inform.status_code == 201
    assert Delivery.objects.filter(message_id=cfp.json()["id"], recipient=bob).exists()
    assert not Delivery.objects.filter(message_id=inform.json()["id"]).exists()  # bob wants cfps only
    deleted = client.delete(f"{url}{body['id']}/")
    assert deleted.status_code == 204 and not Subscription.objects.filter(pk=body["id"]).exists()
    assert AuditEvent.objects.filter(target_id=body["id"], action="delete").exists()
    assert client.get(f"{url}{body['id']}/").status_code == 404


def test_bad_subscriptions_get_a_400_naming_the_field_and_write_nothing(org, bob):
    client = manager_of(org)
    url = f"/api/v1/agents/{bob.pk}/subscriptions/"
    assert client.post(url, {"topic_pattern": "sales.*"}, format="json").status_code == 201
    for payload, field in (({"topic_pattern": "sales.*"}, "topic_pattern"),  # already subscribed
                           ({"topic_pattern": ""}, "topic_pattern"),
                           ({"topic_pattern": "x" * 201}, "topic_pattern"),
                           ({"topic_pattern": "a", "performative": "shout"}, "performative"),
                           ({"topic_pattern": "a", "colour": "red"}, "colour"),
                           ({}, "topic_pattern")):
        response = client.post(url, payload, format="json")
        assert response.status_code == 400 and field in response.json()["fields"], (payload, response.content)
    assert Subscription.objects.filter(agent=bob).count() == 1


def test_an_agent_key_cannot_touch_subscriptions(org, external, external_key):
    url = f"/api/v1/agents/{external.pk}/subscriptions/"
    client = key_client(external_key)
    assert client.get(url).status_code == 401
    assert client.post(url, {"topic_pattern": "sales.*"}, format="json").status_code == 401
    assert not Subscription.objects.exists()


class TestSubscriptionPermissions(AgentChildMatrix):
    detail_url = "/api/v1/agents/{pk}/subscriptions/"
    write_method = "post"
    write_payload = {"topic_pattern": "sales.*"}
    audit_action = "create"
    target_type = "agents.subscription"

    def make_object(self):
        return AgentFactory()
