"""The runtime setting overrides through the real admin forms: same rules, same audit, administrators only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent
from mabos.models import RuntimeOverride
from mabos.runtime_settings import forget, runtime_value
from tests.support.api import create_user

pytestmark = pytest.mark.django_db

ADD = reverse("admin:mabos_runtimeoverride_add")


@pytest.fixture(autouse=True)
def _fresh_copy():
    forget()
    yield
    forget()


def _login(client, roles):
    user = create_user(roles=roles, is_staff=True)
    client.force_login(user)
    return user


def test_an_administrator_adds_changes_and_removes_an_override(client):
    admin_user = _login(client, ("administrator",))
    response = client.post(ADD, {"name": "MESSAGING_MAX_ATTEMPTS", "value": "4"})
    assert response.status_code == 302, response.content.decode()[:3000]
    row = RuntimeOverride.objects.get()
    assert row.value == 4 and runtime_value("MESSAGING_MAX_ATTEMPTS") == 4
    event = AuditEvent.objects.get(action="config_changed", target_type="runtime_setting")
    assert event.changes == {"MESSAGING_MAX_ATTEMPTS": [8, 4]} and event.actor_id == str(admin_user.pk)

    change = reverse("admin:mabos_runtimeoverride_change", args=[row.pk])
    assert client.post(change, {"name": "MESSAGING_MAX_ATTEMPTS", "value": "5"}).status_code == 302
    assert RuntimeOverride.objects.get().value == 5
    assert AuditEvent.objects.filter(action="config_changed", target_type="runtime_setting").order_by("seq").last().changes == {
        "MESSAGING_MAX_ATTEMPTS": [4, 5]}

    delete = reverse("admin:mabos_runtimeoverride_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not RuntimeOverride.objects.exists()
    assert runtime_value("MESSAGING_MAX_ATTEMPTS") == 8
    assert AuditEvent.objects.filter(action="config_changed", target_type="runtime_setting").count() == 3


@pytest.mark.parametrize(("name", "value", "words"), [
    ("MESSAGING_MAX_ATTEMPTS", "0", "at least 1"),
    ("MESSAGING_MAX_ATTEMPTS", "lots", "integer"),
    ("MESSAGING_LEASE_SECONDS", "10", "Select a valid choice"),  # not runtime-tunable: not offered
    ("SECRET_KEY", "x" * 60, "Select a valid choice"),
])
def test_a_bad_value_is_refused_by_the_form_and_nothing_is_written(client, name, value, words):
    _login(client, ("administrator",))
    response = client.post(ADD, {"name": name, "value": value})
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not RuntimeOverride.objects.exists()
    assert not AuditEvent.objects.filter(action="config_changed", target_type="runtime_setting").exists()


@pytest.mark.parametrize("roles", [(), ("operator",), ("auditor",)])
def test_staff_who_are_not_administrators_are_refused(client, roles):
    row = RuntimeOverride.objects.create(name="MESSAGING_ACK_TIMEOUT_SECONDS", value=100.0)
    _login(client, roles)
    assert client.post(ADD, {"name": "MESSAGING_MAX_ATTEMPTS", "value": "4"}).status_code == 403
    change = reverse("admin:mabos_runtimeoverride_change", args=[row.pk])
    assert client.post(change, {"name": "MESSAGING_ACK_TIMEOUT_SECONDS", "value": "5"}).status_code == 403
    delete = reverse("admin:mabos_runtimeoverride_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert list(RuntimeOverride.objects.values_list("name", "value")) == [("MESSAGING_ACK_TIMEOUT_SECONDS", 100.0)]
    assert not AuditEvent.objects.filter(action="config_changed", target_type="runtime_setting").exists()
