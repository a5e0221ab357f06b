"""The zero-setup path of `make run`, on a fresh SQLite database, run twice."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from tests.support.polling import wait_until
from tests.support.processes import BIN, REPO, Process

pytestmark = pytest.mark.processes


def dev_env(tmp_path, **extra: str) -> dict[str, str]:
    """Nothing set but where to keep state: SQLite and the filesystem broker, as `make run` does."""
    return {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "MABOS_ENV": "development", **extra}


def dev(tmp_path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    env = dev_env(tmp_path, **extra)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_fresh_development_setup_is_repeatable(tmp_path):
    for step in (("wait_for_services", "--timeout", "10"), ("migrate", "--noinput"), ("createcachetable",)):
        result = dev(tmp_path, *step)
        assert result.returncode == 0, result.stderr
    created = dev(tmp_path, "mabos_ensure_admin", MABOS_ADMIN_PASSWORD="correct horse battery staple")
    assert "Created admin user 'admin'" in created.stdout
    assert "correct horse" not in created.stdout  # a password the operator chose is not echoed

    again = [dev(tmp_path, *step) for step in (("migrate", "--noinput"), ("createcachetable",),
                                               ("mabos_ensure_admin",))]
    assert all(r.returncode == 0 for r in again), [r.stderr for r in again]
    assert "already exists" in again[-1].stdout

    db = sqlite3.connect(tmp_path / "mabos.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM accounts_user").fetchone()[0] == 1
    assert (tmp_path / "broker" / "queue").is_dir()


SEND = """
from agents.models import Agent
from agents.messaging.services.send import message_send
from auditlog.actors import Actor
from django.db import transaction

ceo, cfo, cto = (Agent.objects.get(slug=slug) for slug in ("ceo", "cfo", "cto"))
with transaction.atomic():  # the wake-up is published when this commits
    for n in range(5):
        message_send(organization=ceo.organization, sender_agent=ceo, by=Actor.system("test"),
                     performative="inform", content={"n": n}, to=[cfo.pk, cto.pk])
"""


def test_zero_setup_delivers_messages_through_sqlite_and_the_filesystem_broker(tmp_path):
    """`make run`'s default: a real worker on the filesystem broker acks every delivery on SQLite."""
    for step in (("migrate", "--noinput"), ("createcachetable",), ("seed_demo",)):
        result = dev(tmp_path, *step)
        assert result.returncode == 0, result.stderr
    worker = Process([str(BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO", "--concurrency=1",
                      "--queues=messages,reasoning,actions,learning,default", "--without-gossip", "--without-mingle",
                      "--without-heartbeat"], dev_env(tmp_path, MABOS_PROCESS_ROLE="worker"),
                     tmp_path / "worker.log").start()
    try:
        sent = dev(tmp_path, "shell", "-c", SEND)
        assert sent.returncode == 0, sent.stderr
        db = sqlite3.connect(tmp_path / "mabos.sqlite3", timeout=20)

        def statuses() -> dict[str, int]:
            assert worker.alive(), worker.output()
            # The demo's agents talk among themselves from the start (their plan libraries): count this test's.
            return dict(db.execute(
                "SELECT d.status, count(*) FROM agents_delivery d JOIN agents_message m ON m.id = d.message_id "
                "WHERE m.performative = 'inform' AND m.sender_agent_id IN (SELECT id FROM agents_agent "
                "WHERE slug = 'ceo') GROUP BY d.status").fetchall())

        wait_until(lambda: statuses() == {"acked": 10}, timeout=60, interval=0.25,
                   message=f"all 10 deliveries acked on SQLite (worker log: {tmp_path / 'worker.log'})")
        assert db.execute(
            "SELECT count(DISTINCT e.delivery_id) FROM agents_agentevent e JOIN agents_delivery d ON d.id = "
            "e.delivery_id JOIN agents_message m ON m.id = d.message_id WHERE m.performative = 'inform' AND "
            "m.sender_agent_id IN (SELECT id FROM agents_agent WHERE slug = 'ceo')").fetchone()[0] == 10
    finally:
        worker.stop()
