"""Audit events inside requests: the user DRF authenticated in the view, the IP, the request id."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from auditlog.models import AuditEvent
from auditlog.tasks import verify_chain_task
from tests.support.polling import wait_until

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.auditlog.urls")]


def test_token_style_authentication_inside_the_view_is_seen_by_the_audit_log(plain_user):
    response = APIClient().post("/probe/", HTTP_AUTHORIZATION="Token plain", HTTP_X_REQUEST_ID="client-req-0001",
                                REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="probe/1.0")
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(pk=response.json()["event_id"])
    assert (event.actor_type, event.actor_id, event.actor_name) == ("user", str(plain_user.pk), "plain")
    assert event.request_id == "client-req-0001" == response["X-Request-ID"]
    assert (event.ip, event.user_agent) == ("203.0.113.9", "probe/1.0")


def test_session_authentication_is_seen_by_the_audit_log(plain_user):
    api = APIClient()
    api.force_login(plain_user)
    response = api.post("/probe/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(pk=response.json()["event_id"])
    assert (event.actor_type, event.actor_id) == ("user", str(plain_user.pk))
    assert event.request_id == response.json()["request_id"] == response["X-Request-ID"]
    assert len(event.request_id) == 32  # generated: a uuid4 hex


def test_a_failed_authentication_is_not_attributed_to_anyone(plain_user):
    response = APIClient().post("/probe/", HTTP_AUTHORIZATION="Token nobody")
    assert response.status_code == 401
    assert not AuditEvent.objects.exists()


def test_forwarded_for_is_honoured_only_behind_trusted_proxies(settings, client):
    headers = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7"}
    untrusted = AuditEvent.objects.get(pk=client.post("/anonymous-probe/", **headers).json()["event_id"])
    assert untrusted.ip == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    trusted = AuditEvent.objects.get(pk=client.post("/anonymous-probe/", **headers).json()["event_id"])
    assert trusted.ip == "198.51.100.7"  # the proxy's view of the client, not the client's claim (6.6.6.6)


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_a_task_queued_by_a_request_carries_its_request_id_into_the_worker(client, celery_worker_process):
    """Request -> broker -> real worker: the task's result and its log lines carry the request's id."""
    response = client.get("/queue-verification/", HTTP_X_REQUEST_ID="req-to-worker-0001")
    assert response.status_code == 200 and response.json()["request_id"] == "req-to-worker-0001"
    result = verify_chain_task.AsyncResult(response.json()["task_id"]).get(timeout=30)
    assert result["request_id"] == "req-to-worker-0001" and result["ok"] is True

    def logged_line() -> str | None:
        for line in celery_worker_process.output().splitlines():
            if "audit chain OK" in line and "request_id=req-to-worker-0001" in line:
                return line
        return None

    line = wait_until(logged_line, timeout=20, message="worker log line with the request id")
    assert "task=auditlog.verify_chain" in line
