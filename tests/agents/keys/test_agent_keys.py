"""Agent API keys: shown once (API and admin), stored hashed with a rotatable pepper, scoped to the agent's own state."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

import pytest
from rest_framework.test import APIClient

from agents.keys.services import agent_key_authenticate, agent_key_create
from agents.models import AgentApiKey, AgentKind
from auditlog.models import AuditEvent
from mabos.errors import AuthenticationError
from tests.support.actors import SYSTEM, grant
from tests.support.admin import staff_client
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory, BeliefFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def external(org):
    return AgentFactory(organization=org, kind=AgentKind.EXTERNAL)


def agent_client(raw: str, ip: str = "10.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Agent {raw}")
    return client


def test_key_is_shown_once_and_stored_as_a_keyed_hash(operator, external, settings):
    grant(operator, external.organization, "view", "change")
    client = client_for(operator)
    response = client.post(f"/api/v1/agents/{external.pk}/keys/", {"name": "runtime"}, format="json")
    assert response.status_code == 201 and response["Cache-Control"] == "no-store"
    raw = response.json()["key"]
    key = AgentApiKey.objects.get()
    assert raw.startswith(f"mabos_ak_{key.prefix}_") and raw not in str(AgentApiKey.objects.values().get())
    pepper_id = list(settings.AGENT_KEY_PEPPERS)[-1]
    assert key.pepper_id == pepper_id
    assert key.hash == hmac.new(settings.AGENT_KEY_PEPPERS[pepper_id].encode(), raw.encode(),
                                hashlib.sha256).hexdigest()
    listed = client.get(f"/api/v1/agents/{external.pk}/keys/").json()["results"]
    assert listed[0]["prefix"] == key.prefix and "key" not in listed[0]
    event = AuditEvent.objects.get(target_type="agents.agentapikey", action="create")
    assert raw not in str(event.changes) and event.actor_id == str(operator.pk)


def test_internal_agents_get_no_keys(operator, agent):
    grant(operator, agent.organization, "view", "change")
    response = client_for(operator).post(f"/api/v1/agents/{agent.pk}/keys/", {}, format="json")
    assert response.status_code == 400 and "agent" in response.json()["fields"]


def test_an_agent_key_reaches_only_its_own_beliefs_and_goals(external):
    _, raw = agent_key_create(agent=external, by=SYSTEM)
    neighbour = AgentFactory(organization=external.organization)
    BeliefFactory(agent=external, key="mine")
    client = agent_client(raw)
    assert client.get(f"/api/v1/agents/{external.pk}/beliefs/").json()["count"] == 1
    assert client.get(f"/api/v1/agents/{neighbour.pk}/beliefs/").status_code == 404
    assert client.get(f"/api/v1/agents/{neighbour.pk}/goals/").status_code == 404
    for url in ("/api/v1/agents/", f"/api/v1/agents/{external.pk}/", "/api/v1/organizations/"):
        assert client.get(url).status_code == 401, url
    assert client.post(f"/api/v1/agents/{external.pk}/pause/").status_code == 401
    created = client.post(f"/api/v1/agents/{external.pk}/goals/", {"name": "Sync inventory"}, format="json")
    assert created.status_code == 201
    event = AuditEvent.objects.get(target_type="agents.goal", action="create")
    assert (event.actor_type, event.actor_id) == ("agent", str(external.pk))


def test_use_is_recorded_and_a_new_ip_is_audited(external):
    key, raw = agent_key_create(agent=external, by=SYSTEM)
    url = f"/api/v1/agents/{external.pk}/beliefs/"
    assert agent_client(raw, "10.0.0.1").get(url).status_code == 200
    assert agent_client(raw, "10.0.0.1").get(url).status_code == 200
    assert agent_client(raw, "10.0.0.2").get(url).status_code == 200
    key.refresh_from_db()
    assert key.last_used_ip == "10.0.0.2" and key.last_used_at is not None
    ips = [e.changes["last_used_ip"] for e in AuditEvent.objects.filter(
        target_id=str(key.pk), note="used from a new IP address").order_by("seq")]
    assert ips == [[None, "10.0.0.1"], ["10.0.0.1", "10.0.0.2"]]


def test_revoked_wrong_and_malformed_keys_are_refused(operator, external):
    key, raw = agent_key_create(agent=external, by=SYSTEM)
    url = f"/api/v1/agents/{external.pk}/beliefs/"
    assert agent_client(raw[:-1] + ("A" if raw[-1] != "A" else "B")).get(url).status_code == 401
    assert agent_client("nonsense").get(url).status_code == 401
    grant(operator, external.organization, "view", "change")
    revoked = client_for(operator).post(f"/api/v1/agents/{external.pk}/keys/{key.pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    response = agent_client(raw).get(url)
    assert response.status_code == 401 and response.json()["code"] == "agent_key_invalid"
    assert AuditEvent.objects.filter(target_id=str(key.pk), note="revoked").exists()
    assert AuditEvent.objects.filter(action="auth_failed", target_type="agents.agentapikey").count() == 3


def test_peppers_rotate_without_breaking_keys(external, settings):
    key, raw = agent_key_create(agent=external, by=SYSTEM)
    old_id = key.pepper_id
    settings.AGENT_KEY_PEPPERS = {**settings.AGENT_KEY_PEPPERS, "2027a": "n" * 20 + "P" * 20}
    assert agent_key_authenticate(raw=raw, ip="10.0.0.9").pk == key.pk
    key.refresh_from_db()
    assert key.pepper_id == "2027a" != old_id  # rehashed with the newest pepper on use
    settings.AGENT_KEY_PEPPERS = {"2027a": "n" * 20 + "P" * 20}  # the old pepper retired
    assert agent_key_authenticate(raw=raw, ip="10.0.0.9").pk == key.pk
    settings.AGENT_KEY_PEPPERS = {"2028a": "q" * 40}
    with pytest.raises(AuthenticationError):
        agent_key_authenticate(raw=raw, ip="10.0.0.9")


def test_a_verified_key_is_remembered_without_the_database(external, django_assert_num_queries):
    key, raw = agent_key_create(agent=external, by=SYSTEM)
    assert agent_key_authenticate(raw=raw, ip="10.0.0.9").pk == key.pk
    with django_assert_num_queries(0):
        again = agent_key_authenticate(raw=raw, ip="10.0.0.9")
    assert again.pk == key.pk and again.agent.pk == external.pk
    assert again.agent.organization.pk == external.organization_id
    again.agent.name = "changed by one request"  # each hit builds fresh objects: others never see this
    assert agent_key_authenticate(raw=raw, ip="10.0.0.9").agent.name == external.name


def test_the_remembered_key_still_needs_its_secret_and_its_address(external, django_assert_max_num_queries):
    key, raw = agent_key_create(agent=external, by=SYSTEM)
    agent_key_authenticate(raw=raw, ip="10.0.0.9")
    wrong = raw[:-1] + ("A" if raw[-1] != "A" else "B")  # same prefix, another secret
    with pytest.raises(AuthenticationError):
        agent_key_authenticate(raw=wrong, ip="10.0.0.9")
    with django_assert_max_num_queries(10):  # a new address takes the full path, with its audit event
        agent_key_authenticate(raw=raw, ip="10.0.0.10")
    assert AuditEvent.objects.filter(target_id=str(key.pk), note="used from a new IP address").count() == 2


def test_revoking_in_this_process_refuses_at_once(operator, external):
    key, raw = agent_key_create(agent=external, by=SYSTEM)
    url = f"/api/v1/agents/{external.pk}/beliefs/"
    assert agent_client(raw).get(url).status_code == 200
    grant(operator, external.organization, "view", "change")
    assert client_for(operator).post(f"/api/v1/agents/{external.pk}/keys/{key.pk}/revoke/").status_code == 200
    assert agent_client(raw).get(url).status_code == 401


def test_another_process_revoking_is_seen_when_the_memory_expires(external, settings):
    """The documented window: a revocation written by another process (here: straight to the table) is honoured
    once this process's memory of the key expires, AGENT_KEY_CACHE_SECONDS at most."""
    from agents.keys import cache as key_cache

    key, raw = agent_key_create(agent=external, by=SYSTEM)
    agent_key_authenticate(raw=raw, ip="10.0.0.9")
    AgentApiKey.objects.filter(pk=key.pk).update(revoked_at=key.created_at)
    assert agent_key_authenticate(raw=raw, ip="10.0.0.9").pk == key.pk  # still remembered
    key_cache._entries[key.prefix] = dataclasses.replace(key_cache._entries[key.prefix], expires=0.0)
    with pytest.raises(AuthenticationError):
        agent_key_authenticate(raw=raw, ip="10.0.0.9")
    settings.AGENT_KEY_CACHE_SECONDS = 0  # no memory: every request asks the database
    AgentApiKey.objects.filter(pk=key.pk).update(revoked_at=None)
    agent_key_authenticate(raw=raw, ip="10.0.0.9")
    assert key.prefix not in key_cache._entries


@pytest.mark.django_db(transaction=True)
def test_a_request_verifying_the_key_while_the_revocation_commits_does_not_bring_it_back(operator, external,
                                                                                          monkeypatch):
    """Real threads: another request of this process verifies the key after the revocation forgot it but
    before it committed (the database still says active), and remembers it. The commit must forget it again,
    or this process would accept the revoked key for AGENT_KEY_CACHE_SECONDS."""
    import threading

    from django.db import connection

    from agents.keys import cache as key_cache
    from agents.keys import services as key_services

    key, raw = agent_key_create(agent=external, by=SYSTEM)
    url = f"/api/v1/agents/{external.pk}/beliefs/"
    assert agent_client(raw).get(url).status_code == 200  # used from here now: verifying again writes nothing
    real_record = key_services.record
    verified_meanwhile = []

    def other_request() -> None:
        try:
            verified_meanwhile.append(agent_key_authenticate(raw=raw, ip="10.0.0.1").pk)
        finally:
            connection.close()

    def record_then_race(**kwargs):
        if kwargs.get("note") == "revoked":  # inside the revocation's transaction, after it forgot the key
            thread = threading.Thread(target=other_request)
            thread.start()
            thread.join(10)
            assert key.prefix in key_cache._entries  # the other request remembered the still-active key
        return real_record(**kwargs)

    monkeypatch.setattr(key_services, "record", record_then_race)
    grant(operator, external.organization, "view", "change")
    assert client_for(operator).post(f"/api/v1/agents/{external.pk}/keys/{key.pk}/revoke/").status_code == 200
    assert verified_meanwhile == [key.pk]
    response = agent_client(raw).get(url)
    assert response.status_code == 401 and response.json()["code"] == "agent_key_invalid"


def test_api_key_created_in_the_admin_is_shown_once_on_a_page_a_refresh_cannot_repost(staff_operator):
    agent = AgentFactory(kind=AgentKind.EXTERNAL)
    grant(staff_operator, agent.organization, "view", "change")
    client = staff_client(staff_operator)
    response = client.post("/admin/agents/agentapikey/add/", {"agent": str(agent.pk), "name": "runtime"})
    key = AgentApiKey.objects.get()
    created_url = f"/admin/agents/agentapikey/{key.pk}/created/"
    assert response.status_code == 302 and response["Location"] == created_url  # not served at add/
    shown = client.get(created_url)
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert f"mabos_ak_{key.prefix}_" in shown.content.decode()
    refreshed = client.get(created_url)  # what a browser refresh does now: a GET, no second key
    assert refreshed.status_code == 200 and "mabos_ak_" not in refreshed.content.decode()
    assert "shown once already" in refreshed.content.decode()
    assert AgentApiKey.objects.count() == 1
    listing = client.get("/admin/agents/agentapikey/").content.decode()
    assert key.prefix in listing and "mabos_ak_" not in listing


def test_api_key_created_page_is_not_shown_to_someone_without_the_agent(staff_operator):
    agent = AgentFactory(kind=AgentKind.EXTERNAL)
    grant(staff_operator, agent.organization, "view", "change")
    staff_client(staff_operator).post("/admin/agents/agentapikey/add/", {"agent": str(agent.pk), "name": "runtime"})
    key = AgentApiKey.objects.get()
    stranger = create_user(roles=("operator",), is_staff=True)  # an operator, but not of this organization
    assert staff_client(stranger).get(f"/admin/agents/agentapikey/{key.pk}/created/").status_code == 404
