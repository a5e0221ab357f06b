"""Request ids, client IPs and the log filter; and the request id travelling into Celery tasks."""

from __future__ import annotations

import logging

import pytest
from celery import shared_task
from django.test import RequestFactory

from mabos.request_context import (
    RequestContextLogFilter,
    bind,
    client_ip,
    current_ip,
    current_request_id,
    current_user,
    current_user_agent,
    sane_request_id,
    set_request_user,
)
from mabos.task_context import HEADER, _publish_request_id


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/health/live/"), client.get("/health/live/")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(("incoming", "kept"), [
    ("abc-DEF_123.456:789", True),
    ("short", False),                     # too short to be an id worth keeping
    ("x" * 65, False),                    # too long
    ("id with spaces 1234", False),
    ("evil\nINFO forged=1234", False),    # log injection
    ("<script>alert(1)</script>", False),
])
def test_incoming_request_ids_are_kept_only_when_sane(client, incoming, kept):
    response = client.get("/health/live/", HTTP_X_REQUEST_ID=incoming)
    assert (response["X-Request-ID"] == incoming) is kept
    assert sane_request_id(incoming) == (incoming if kept else None)


@pytest.mark.parametrize(("trusted", "remote", "forwarded", "expected"), [
    (0, "10.0.0.1", "1.2.3.4", "10.0.0.1"),                       # no proxy trusted: header ignored
    (1, "10.0.0.1", "1.2.3.4", "1.2.3.4"),
    (1, "10.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),                # leftmost is the client's own claim
    (2, "10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
    (2, "10.0.0.1", "1.2.3.4", "10.0.0.1"),                       # shorter than the proxy chain: distrust
    (1, "10.0.0.1", "not-an-ip", "10.0.0.1"),
    (1, "10.0.0.1", "[2001:0db8::0001]:443", "2001:db8::1"),
    (0, "fe80::1%eth0", "", "fe80::1"),
    (0, "garbage", "", None),
])
def test_client_ip(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_outside_a_request_there_is_no_context():
    assert (current_request_id(), current_ip(), current_user_agent(), current_user()) == (None, None, "", None)


def test_set_request_user_publishes_a_user_until_the_context_ends(django_user_model, db):
    user = django_user_model(username="someone")
    reset = bind(request_id="explicit-user-0001")
    try:
        set_request_user(user)
        assert current_user() is user
    finally:
        reset()
    assert current_user() is None


def test_log_records_carry_request_id_and_task_name():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    log_filter = RequestContextLogFilter()
    assert log_filter.filter(record) and (record.request_id, record.task_name) == ("-", "-")
    reset = bind(request_id="log-request-0001", task_name="mabos.ping")
    try:
        log_filter.filter(record)
    finally:
        reset()
    assert (record.request_id, record.task_name) == ("log-request-0001", "mabos.ping")


def test_publishing_a_task_adds_the_current_request_id_to_its_headers():
    headers: dict = {}
    _publish_request_id(headers=headers)
    assert HEADER not in headers  # nothing to carry outside a request
    reset = bind(request_id="publish-req-0001")
    try:
        _publish_request_id(headers=headers)
    finally:
        reset()
    assert headers[HEADER] == "publish-req-0001"


@shared_task(name="tests.audit_probe")
def audit_probe() -> dict:
    from auditlog.models import Action
    from auditlog.services import audit_record

    event = audit_record(action=Action.UPDATE, target_type="probe")
    return {"event_request_id": event.request_id, "actor": event.actor_type, "bound": current_request_id()}


@pytest.mark.django_db
def test_a_task_binds_the_request_id_from_its_headers_for_audit_events():
    result = audit_probe.apply(headers={HEADER: "from-header-0001"}).get()
    assert result == {"event_request_id": "from-header-0001", "actor": "system", "bound": "from-header-0001"}
    assert current_request_id() is None  # unbound again after the task


@pytest.mark.django_db
def test_a_task_rejects_an_insane_request_id_header():
    assert audit_probe.apply(headers={HEADER: "bad\nid forged"}).get()["event_request_id"] == ""
