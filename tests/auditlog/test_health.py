"""The audit_chain readiness check reports the latest verification, without re-verifying."""

from __future__ import annotations

import pytest

from auditlog.actors import Actor
from auditlog.health import check_audit_chain
from auditlog.models import Action
from auditlog.services import audit_record
from auditlog.tasks import verify_chain_task
from auditlog.verification import last_result, verify_and_record
from tests.support.audit import tamper
from tests.support.health import token_headers

pytestmark = pytest.mark.django_db


def audit_check(client) -> tuple[int, dict]:
    response = client.get("/health/ready/", **token_headers())
    return response.status_code, response.json()


def test_never_verified_is_ok_with_a_note(client):
    status, body = audit_check(client)
    assert status == 200
    check = body["checks"]["audit_chain"]
    assert check["status"] == "ok" and check["critical"] is False and "not verified yet" in check["note"]


def test_ok_after_a_good_verification(client):
    audit_record(action=Action.UPDATE, actor=Actor.system())
    verify_and_record()
    status, body = audit_check(client)
    assert status == 200 and body["checks"]["audit_chain"]["status"] == "ok"
    assert "1 event(s) verified" in body["checks"]["audit_chain"]["note"]


def test_a_broken_chain_degrades_readiness_and_logs_an_error(client, caplog):
    events = [audit_record(action=Action.UPDATE, actor=Actor.system()) for _ in range(3)]
    tamper("UPDATE auditlog_auditevent SET note = 'x' WHERE id = %s", [events[0].pk])
    result = verify_chain_task.apply().get()
    assert result["ok"] is False and result["broken_event_id"] == events[0].pk
    assert any(r.levelname == "ERROR" and f"id={events[0].pk}" in r.getMessage() for r in caplog.records)

    status, body = audit_check(client)
    assert status == 200  # non-critical: serve on, but say so
    assert body["status"] == "degraded" and "audit_chain" in body["failing"]
    assert f"chain broken at event {events[0].pk}: hash mismatch" in body["checks"]["audit_chain"]["error"]


def test_a_missing_tail_degrades_readiness_naming_the_expected_seq(client):
    events = [audit_record(action=Action.UPDATE, actor=Actor.system()) for _ in range(4)]
    assert verify_and_record().ok  # anchors the verified head, seq 4
    tamper("DELETE FROM auditlog_auditevent WHERE seq > %s", [events[1].seq])
    assert verify_chain_task.apply().get()["ok"] is False
    status, body = audit_check(client)
    assert status == 200 and "audit_chain" in body["failing"]
    error = body["checks"]["audit_chain"]["error"]
    assert f"chain broken after seq {events[1].seq}: tail missing: expected seq {events[3].seq}" in error, error


def test_readiness_does_not_walk_the_chain(django_assert_num_queries):
    for _ in range(30):
        audit_record(action=Action.UPDATE, actor=Actor.system())
    verify_and_record()
    with django_assert_num_queries(0):  # one cache read, however long the chain
        assert check_audit_chain() == f"30 event(s) verified at {last_result().verified_at}"


def test_an_unreachable_cache_is_not_blamed_on_the_chain(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    from django.core.cache import caches

    caches["default"].close()
    assert check_audit_chain().startswith("no verdict available: ")
