"""PUT/DELETE /api/v1/settings/<NAME>/: administrators only, the schema's rules, one audit event per change."""

from __future__ import annotations

import pytest

from agents.messaging.services.policy import knob
from auditlog.models import AuditEvent
from mabos.models import RuntimeOverride
from mabos.runtime_settings import forget
from tests.support.api import client_for, create_user, reset_shared_state

pytestmark = pytest.mark.django_db

URL = "/api/v1/settings/{}/"


@pytest.fixture(autouse=True)
def _fresh_state():
    reset_shared_state()
    forget()
    yield
    forget()


@pytest.fixture
def admin_client():
    return client_for(create_user(roles=("administrator",)))


def _events(name: str):
    return AuditEvent.objects.filter(action="config_changed", target_type="runtime_setting", target_id=name)


def test_an_administrator_overrides_a_setting_it_is_audited_and_read_at_once(admin_client):
    assert knob("MAX_ATTEMPTS") == 8
    response = admin_client.put(URL.format("MESSAGING_MAX_ATTEMPTS"), {"value": 3}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["value"] == 3 and response.json()["source"] == "runtime override"
    assert knob("MAX_ATTEMPTS") == 3  # the writing process sees its change at once
    event = _events("MESSAGING_MAX_ATTEMPTS").get()
    assert event.changes == {"MESSAGING_MAX_ATTEMPTS": [8, 3]}
    assert event.actor_type == "user"

    listed = {row["name"]: row for row in admin_client.get("/api/v1/settings/").json()["results"]}
    assert listed["MESSAGING_MAX_ATTEMPTS"]["value"] == 3
    assert listed["MESSAGING_MAX_ATTEMPTS"]["environment_value"] == 8
    assert "SECRET_KEY" not in listed and "MESSAGING_LEASE_SECONDS" not in listed


def test_removing_an_override_goes_back_to_the_environment(admin_client):
    admin_client.put(URL.format("MESSAGING_BACKOFF_CAP_SECONDS"), {"value": "60"}, format="json")
    assert knob("BACKOFF_CAP_SECONDS") == 60.0
    assert admin_client.delete(URL.format("MESSAGING_BACKOFF_CAP_SECONDS")).status_code == 204
    assert knob("BACKOFF_CAP_SECONDS") == 300.0
    assert not RuntimeOverride.objects.exists()
    last = _events("MESSAGING_BACKOFF_CAP_SECONDS").order_by("seq").last()
    assert last.changes == {"MESSAGING_BACKOFF_CAP_SECONDS": [60.0, 300.0]}
    assert admin_client.delete(URL.format("MESSAGING_BACKOFF_CAP_SECONDS")).status_code == 404


@pytest.mark.parametrize(("name", "value", "rule"), [
    ("MESSAGING_LEASE_SECONDS", 10, "not runtime-tunable"),
    ("SECRET_KEY", "x" * 60, "secret"),
    ("NO_SUCH_SETTING", 1, "not a setting"),
    ("MESSAGING_MAX_ATTEMPTS", "many", "integer"),
    ("MESSAGING_MAX_ATTEMPTS", 2.5, "integer"),
    ("MESSAGING_MAX_ATTEMPTS", True, "integer"),
    ("MESSAGING_MAX_ATTEMPTS", 0, "at least 1"),
    ("MESSAGING_BACKOFF_BASE_SECONDS", -1, "at least 0"),
    ("MESSAGING_BACKOFF_BASE_SECONDS", "nan", "number"),
])
def test_bad_overrides_are_a_400_naming_the_setting_and_nothing_is_written(admin_client, name, value, rule):
    response = admin_client.put(URL.format(name), {"value": value}, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_setting"
    assert name in body["detail"] and rule in body["detail"]
    assert name in body["fields"]
    assert not RuntimeOverride.objects.exists()
    assert not AuditEvent.objects.filter(action="config_changed", target_type="runtime_setting").exists()


def test_an_unknown_field_is_refused(admin_client):
    response = admin_client.put(URL.format("MESSAGING_MAX_ATTEMPTS"), {"value": 3, "valeu": 4}, format="json")
    assert response.status_code == 400
    assert not RuntimeOverride.objects.exists()


@pytest.mark.parametrize("roles", [(), ("viewer",), ("operator",), ("auditor",)])
def test_non_administrators_are_refused_on_every_method(roles):
    RuntimeOverride.objects.create(name="MESSAGING_ACK_TIMEOUT_SECONDS", value=100.0)
    client = client_for(create_user(roles=roles))
    name = "MESSAGING_MAX_ATTEMPTS"
    assert client.get("/api/v1/settings/").status_code == 403
    assert client.get(URL.format(name)).status_code == 403
    response = client.put(URL.format(name), {"value": 3}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client.delete(URL.format("MESSAGING_ACK_TIMEOUT_SECONDS")).status_code == 403
    assert list(RuntimeOverride.objects.values_list("name", flat=True)) == ["MESSAGING_ACK_TIMEOUT_SECONDS"]
    assert not AuditEvent.objects.filter(action="config_changed", target_type="runtime_setting").exists()


def test_anonymous_gets_401():
    client = client_for(None)
    assert client.get("/api/v1/settings/").status_code == 401
    assert client.put(URL.format("MESSAGING_MAX_ATTEMPTS"), {"value": 3}, format="json").status_code == 401
    assert client.delete(URL.format("MESSAGING_MAX_ATTEMPTS")).status_code == 401
    assert not RuntimeOverride.objects.exists()
