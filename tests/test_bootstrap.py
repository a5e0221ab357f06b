"""The zero-setup path of `make run`, on a fresh SQLite database, run twice."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from tests.support.processes import REPO

pytestmark = pytest.mark.processes


def dev(tmp_path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "MABOS_ENV": "development", **extra}
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
