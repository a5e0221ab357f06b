"""audit_record: what it stores, in whose transaction, and how it treats odd input."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction

from auditlog.actors import Actor
from auditlog.chain import GENESIS_HASH
from auditlog.changes import REDACTED, diff, is_secret_field
from auditlog.models import Action, ActorType, AuditEvent
from auditlog.services import audit_record
from auditlog.verification import verify_chain
from mabos.request_context import bind
from tests.support.audit import make_user

pytestmark = pytest.mark.django_db


def test_records_actor_target_changes_and_chain_fields(plain_user):
    group = Group.objects.create(name="sales")
    event = audit_record(action=Action.UPDATE, actor=plain_user, target=group,
                         changes={"name": ["old", "sales"], "unchanged": [1, 1]}, note="renamed")
    event.refresh_from_db()
    assert (event.actor_type, event.actor_id, event.actor_name) == ("user", str(plain_user.pk), "plain")
    assert (event.target_type, event.target_id, event.target_repr) == ("auth.group", str(group.pk), "sales")
    assert event.changes == {"name": ["old", "sales"]}  # changed fields only
    assert event.note == "renamed"
    assert event.occurred_at.utcoffset() == datetime.timedelta(0)
    assert event.prev_hash == GENESIS_HASH and len(event.hash) == 64 and event.key_id == "dev"


def test_secrets_are_redacted_at_any_depth():
    event = audit_record(action=Action.UPDATE, actor=Actor.system(), target_type="config", changes={
        "password": ["hunter2-old", "hunter2-new"],
        "api_key": [None, "sk-live-123"],
        "refresh_token": ["tok-a", "tok-b"],
        "signingKey": ["k1", "k2"],
        "password_hash": ["argon2$a", "argon2$b"],
        "settings": [{"smtp": {"secret": "s1", "host": "a"}}, {"smtp": {"secret": "s2", "host": "b"}}],
        "monkey": ["a", "b"],
        "new_password": ["***", "***"],
    })
    event.refresh_from_db()
    stored = str(event.changes)
    for secret in ("hunter2", "sk-live-123", "tok-a", "tok-b", "k1", "k2", "argon2", "s1", "s2"):
        assert secret not in stored, secret
    assert event.changes["password"] == [REDACTED, REDACTED]
    assert event.changes["api_key"] == [None, REDACTED]  # "was unset, is now set" survives redaction
    assert event.changes["settings"][1] == {"smtp": {"secret": REDACTED, "host": "b"}}
    assert event.changes["monkey"] == ["a", "b"]  # "key" must be a word, not any substring
    assert event.changes["new_password"] == [REDACTED, REDACTED]  # placeholders still say "it changed"


@pytest.mark.parametrize(("name", "secret"), [
    ("password", True), ("new_password1", True), ("client_secret", True), ("access_token", True),
    ("key", True), ("hmac_keys", True), ("apiKey", True), ("hash", True), ("otp", True),
    ("name", False), ("monkey", False), ("keyboard_layout", False), ("status", False), ("hashtag", False),
])
def test_secret_field_names(name, secret):
    assert is_secret_field(name) is secret


def test_a_rolled_back_change_leaves_no_event():
    @transaction.atomic
    def failing_service() -> None:
        Group.objects.create(name="doomed")
        audit_record(action=Action.CREATE, actor=Actor.system(), target_type="auth.group", target_id="x")
        raise RuntimeError("the service fails after auditing")

    with pytest.raises(RuntimeError):
        failing_service()
    assert not Group.objects.filter(name="doomed").exists()
    assert not AuditEvent.objects.exists()
    assert verify_chain().ok


def test_when_the_database_cannot_store_the_event_the_whole_action_fails():
    """No change is ever unaudited: a failed audit insert takes the caller's change down with it."""
    @transaction.atomic
    def service() -> None:
        Group.objects.create(name="unaudited")
        with connection.cursor() as cursor:  # make the audit insert itself fail, as a broken DB would
            cursor.execute("ALTER TABLE auditlog_auditevent ADD CONSTRAINT no_inserts CHECK (false) NOT VALID")
        audit_record(action=Action.CREATE, actor=Actor.system(), target_type="auth.group")

    with pytest.raises(DatabaseError):
        service()
    assert not Group.objects.filter(name="unaudited").exists()
    assert not AuditEvent.objects.exists()


def test_actor_defaults_to_system_outside_requests():
    event = audit_record(action=Action.CONFIG_CHANGED, target_type="config")
    assert (event.actor_type, event.actor_name) == (ActorType.SYSTEM, "system")


def test_actor_kinds():
    class FakeAgent:
        pk = uuid.UUID("12345678-1234-5678-1234-567812345678")

        def __str__(self) -> str:
            return "CFO of Acme"

    agent = audit_record(action=Action.UPDATE, actor=Actor.for_agent(FakeAgent()))
    assert (agent.actor_type, agent.actor_id, agent.actor_name) == ("agent", str(FakeAgent.pk), "CFO of Acme")
    assert audit_record(action=Action.LOGIN_FAILED, actor=Actor.anonymous()).actor_type == "anonymous"
    assert audit_record(action=Action.UPDATE, actor=Actor.system("beat")).actor_name == "beat"
    from django.contrib.auth.models import AnonymousUser

    assert audit_record(action=Action.LOGIN_FAILED, actor=AnonymousUser()).actor_type == "anonymous"


def test_request_id_of_the_context_is_recorded():
    reset = bind(request_id="ctx-request-0001")
    try:
        event = audit_record(action=Action.UPDATE, actor=Actor.system())
    finally:
        reset()
    assert event.request_id == "ctx-request-0001"
    assert audit_record(action=Action.UPDATE, actor=Actor.system()).request_id == ""


def test_odd_input_is_stored_safely_and_the_chain_still_verifies():
    class BrokenStr:
        pk = 7

        def __str__(self) -> str:
            raise ValueError("boom")

    junk = bytes(range(256)).decode("latin-1") + "\ud800" + "\x00"
    event = audit_record(
        action=Action.UPDATE,
        actor=Actor(type="user", id="1" * 500, name="evil\nINFO forged log line\r\x00" + "é" * 1000),
        target_type="x" * 1000, target_id="id-\ud800-\x00", target_repr=junk,
        changes={"bio": ["a\x00b", "名前 ‮txt.exe"], "blob": [b"\xff\xfe", None], junk: [1, 2],
                 "when": [datetime.date(2026, 1, 1), datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)],
                 "money": [Decimal("1.10"), Decimal("2.20")], "floats": [1e100, float("nan")],
                 "neg_zero": [1, -0.0], "obj": [None, BrokenStr()]},
        note="n" * 50_000,
    )
    event.refresh_from_db()
    assert "\n" not in event.actor_name and "\x00" not in event.actor_name
    assert event.actor_name.startswith("evil\\nINFO forged log line\\r\\x00")
    assert len(event.actor_name) == AuditEvent.ACTOR_NAME_MAX and event.actor_name.endswith("…")
    assert len(event.actor_id) == AuditEvent.ACTOR_ID_MAX
    assert len(event.target_type) == AuditEvent.TARGET_TYPE_MAX
    assert len(event.note) == AuditEvent.NOTE_MAX
    assert "\x00" not in event.target_repr and len(event.target_repr) == AuditEvent.TARGET_REPR_MAX
    assert event.target_id == "id-\\ud800-\\x00"
    assert event.changes["bio"] == ["a\\x00b", "名前 \\u202etxt.exe"]
    assert event.changes["floats"] == ["1e+100", "nan"]
    assert event.changes["money"] == ["1.10", "2.20"]
    assert verify_chain().ok


def test_huge_user_agent_is_truncated_not_rejected(client, settings):
    settings.ROOT_URLCONF = "tests.auditlog.urls"
    response = client.post("/anonymous-probe/?note=hi%0aforged", HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 100_000)
    assert response.status_code == 200
    event = AuditEvent.objects.get(pk=response.json()["event_id"])
    assert len(event.user_agent) == AuditEvent.USER_AGENT_MAX and event.user_agent.startswith("Mozilla/5.0 x")
    assert event.note == "hi\\nforged"
    assert event.actor_type == "anonymous"  # inside a request with nobody logged in


def test_a_broken_target_str_and_unknown_action_do_not_fail_the_action(caplog, monkeypatch):
    target = Group.objects.create(name="weird")

    def broken_str(self) -> str:
        raise RuntimeError("no str for you")

    monkeypatch.setattr(Group, "__str__", broken_str)
    event = audit_record(action="made_up_action", actor=Actor.system(), target=target)
    assert event.target_repr == f"<Group {target.pk}>"
    assert event.action == "made_up_action"
    assert "made_up_action" in caplog.text  # said loudly, not silently


def test_malformed_changes_are_kept_not_rejected():
    event = audit_record(action=Action.UPDATE, actor=Actor.system(), changes={"status": "paused"})
    assert event.changes == {"status": [None, "paused"]}
    event = audit_record(action=Action.UPDATE, actor=Actor.system(), changes=["not", "a", "dict"])
    assert event.changes == {"value": [None, ["not", "a", "dict"]]}


def test_diff_helper_lists_changed_fields_only():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


def test_events_chain_one_after_another():
    first = audit_record(action=Action.CREATE, actor=Actor.system())
    second = audit_record(action=Action.UPDATE, actor=make_user("chainer"))
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert second.occurred_at >= first.occurred_at
