"""Operator commands: wait_for_services, check_integrity, mabos_config, mabos_ensure_admin."""

from __future__ import annotations

import subprocess
import sys
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from mabos.integrity import IntegrityCheck, register_integrity_check, unregister_integrity_check
from tests.support.processes import REPO, free_port, process_env


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=process_env(**env),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.django_db
def test_wait_for_services_passes_when_everything_answers():
    result = manage("wait_for_services", "--timeout", "20")
    assert result.returncode == 0, result.stderr
    assert "database: ready" in result.stdout and "broker: ready" in result.stdout


@pytest.mark.django_db
def test_wait_for_services_gives_up_at_the_deadline_with_one_line_per_attempt():
    dead = f"postgres://mabos@127.0.0.1:{free_port()}/nowhere"
    started = time.monotonic()
    result = manage("wait_for_services", "--timeout", "3", DATABASE_URL=dead)
    elapsed = time.monotonic() - started
    assert result.returncode != 0
    attempts = [line for line in result.stdout.splitlines() if line.startswith("database: attempt ")]
    assert len(attempts) >= 2, result.stdout
    assert all("retrying in" in line and "OperationalError" in line for line in attempts)
    assert "gave up after 3s: database is still unreachable" in result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < 30


@pytest.mark.django_db
def test_wait_for_services_waits_for_a_broker_that_comes_up_late(tmp_path):
    from tests.support.processes import RedisServer

    late = RedisServer(tmp_path / "late")
    proc = subprocess.Popen([sys.executable, "manage.py", "wait_for_services", "--timeout", "40"], cwd=REPO,
                            env=process_env(REDIS_URL=late.url), stdout=subprocess.PIPE, text=True)
    try:
        first_line = proc.stdout.readline()  # database is up at once
        assert first_line.startswith("database: ready")
        second = proc.stdout.readline()
        assert second.startswith("broker: attempt 1 failed")
        late.start()
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        assert "broker: ready" in out
    finally:
        proc.kill()
        late.stop()


@pytest.mark.django_db
def test_check_integrity_is_clean_then_names_a_violation(capsys):
    call_command("check_integrity")
    assert "integrity check(s) passed" in capsys.readouterr().out

    User.objects.create(username="root-but-not-staff", is_superuser=True, is_staff=False)
    register_integrity_check(IntegrityCheck("test.always_bad", "rows that must not exist", lambda: [("row", 1)]))
    try:
        with pytest.raises(CommandError, match="2 of"):
            call_command("check_integrity")
        err = capsys.readouterr().err
        assert "VIOLATION accounts.superuser_is_staff" in err
        assert "VIOLATION test.always_bad" in err
    finally:
        unregister_integrity_check("test.always_bad")


def test_mabos_config_redacts_secrets():
    secret = "Sup3r-" + "s3cretValue" * 5
    result = manage("mabos_config", SECRET_KEY=secret, DATABASE_URL="postgres://mabos:dbpassword9@db:5432/x")
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout and "dbpassword9" not in result.stdout
    assert "SECRET_KEY" in result.stdout and "***" in result.stdout
    assert "postgres://***@db:5432/x" in result.stdout


def test_mabos_config_check_exit_codes():
    assert manage("mabos_config", "--check").returncode == 0
    bad = manage("mabos_config", "--check", DEBUG="perhaps")
    assert bad.returncode != 0
    assert "DEBUG='perhaps' is not true or false" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_mabos_config_markdown_writes_the_reference(tmp_path):
    target = tmp_path / "configuration.md"
    assert manage("mabos_config", "--markdown", str(target)).returncode == 0
    assert target.read_text() == (REPO / "docs" / "configuration.md").read_text()


@pytest.mark.django_db
def test_ensure_admin_creates_once_and_never_resets(capsys, settings):
    call_command("mabos_ensure_admin")
    first = capsys.readouterr().out
    assert "Created admin user 'admin' with password: " in first
    password = first.split("password: ")[1].split()[0]
    user = User.objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.check_password(password)

    call_command("mabos_ensure_admin")
    assert "already exists" in capsys.readouterr().out
    user.refresh_from_db()
    assert user.check_password(password)


def test_mabos_migrate_on_a_migrated_database_says_so_in_one_line(db):
    out = StringIO()
    call_command("mabos_migrate", stdout=out)
    assert out.getvalue().strip() == "database: up to date, no migrations to apply"


def test_migration_summary_counts_per_app_in_one_line():
    from mabos.management.commands.mabos_migrate import migration_summary

    line = migration_summary([("agents", "0001_initial"), ("auth", "0001_initial"), ("agents", "0002_more")])
    assert line == "database: applied 3 migrations (agents 2, auth 1)"
