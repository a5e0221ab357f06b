"""Deploy-time drift: processes started after a configuration change record it once, secrets as verdicts."""

from __future__ import annotations

import json

import pytest

from auditlog.models import AuditEvent
from config.env import load_config
from mabos.config_drift.recording import config_drift_record
from mabos.models import ConfigFingerprint
from tests.support.polling import wait_until
from tests.support.processes import BIN, Process, process_env, start_gunicorn, start_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

NEW_SECRET_KEY = "rotated-secret-key-" + "Zq8x" * 12
NEW_JWT_KEY = "a-brand-new-jwt-signing-key-" + "K7" * 20


def _events():
    return AuditEvent.objects.filter(action="config_changed").order_by("seq")


def test_two_processes_started_at_once_after_a_change_record_one_event(tmp_path):
    base_env = process_env()
    config_drift_record(config=load_config(base_env), role="test")  # what the last deploy looked like
    baseline = _events().count()
    changed = {
        "CONFIG_DRIFT_AUDIT": "true",  # off by default in the test suite
        "MESSAGING_MAX_ATTEMPTS": "9",
        "SECRET_KEY": NEW_SECRET_KEY,
        "JWT_SIGNING_KEYS": f"{base_env.get('JWT_SIGNING_KEYS', 'dev=dev-insecure-jwt-key-' + 'j' * 40)},"
                            f"2026b={NEW_JWT_KEY}",
    }
    worker = start_worker(tmp_path, name="drift", **changed)
    migrate = Process([str(BIN / "python"), "manage.py", "migrate", "--noinput"], process_env(**changed),
                      tmp_path / "migrate.log").start()
    try:
        wait_until(lambda: "configuration drift checked" in worker.output()
                   and "configuration drift checked" in migrate.output(),
                   timeout=60, message="both processes checked their configuration")
    finally:
        worker.stop()
        migrate.stop()
    assert "recorded" in worker.output() + migrate.output()
    assert "unchanged" in worker.output() + migrate.output(), "the second starter found nothing to record"

    events = list(_events()[baseline:])
    assert len(events) == 1, [e.changes for e in events]
    event = events[0]
    assert event.actor_type == "system"
    assert event.target_type == "config"
    assert "host=" in event.note and ("role=worker" in event.note or "role=cli" in event.note)
    assert event.changes["MESSAGING_MAX_ATTEMPTS"] == [8, 9]
    assert event.changes["rotated"] == [None, ["SECRET_KEY"]]
    assert event.changes["added"] == [None, ["JWT_SIGNING_KEYS[2026b]"]]

    stored = json.dumps([event.changes, event.note, ConfigFingerprint.objects.get().values])
    for secret in (NEW_SECRET_KEY, NEW_JWT_KEY, load_config(base_env).SECRET_KEY):
        assert secret not in stored


def test_an_unchanged_configuration_records_nothing():
    config = load_config(process_env())
    config_drift_record(config=config, role="test")
    count = _events().count()
    assert config_drift_record(config=config, role="test") is False
    assert _events().count() == count


def test_a_removed_fallback_key_shows_as_removed_without_its_value():
    old = "an-old-secret-key-still-accepted-" + "Qw" * 20
    config_drift_record(config=load_config(process_env(SECRET_KEY_FALLBACKS=old)), role="test")
    assert config_drift_record(config=load_config(process_env()), role="test") is True
    event = _events().last()
    assert event.changes == {"removed": [None, ["SECRET_KEY_FALLBACKS"]]}
    assert old not in json.dumps(ConfigFingerprint.objects.get().values)


def test_a_web_process_records_a_change_at_start(tmp_path):
    config_drift_record(config=load_config(process_env()), role="test")
    baseline = _events().count()
    web, _ = start_gunicorn(tmp_path, CONFIG_DRIFT_AUDIT="true", MESSAGING_BATCH_SIZE="400")
    try:
        wait_until(lambda: _events().count() > baseline, timeout=30, message="the web records the change")
    finally:
        web.stop()
    event = _events().last()
    assert "role=web" in event.note
    assert event.changes["MESSAGING_BATCH_SIZE"] == [500, 400]
