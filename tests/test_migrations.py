"""Migrations are committed and in step with the models."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_custom_user_model_is_in_place_from_the_first_migration():
    from accounts.migrations import __path__ as migrations_path

    assert settings.AUTH_USER_MODEL == "accounts.User"
    first = (__import__("pathlib").Path(migrations_path[0]) / "0001_initial.py").read_text()
    assert "name='User'" in first or 'name="User"' in first


def test_the_suite_refuses_to_run_without_postgresql(tmp_path):
    """Test-mode tooling may run on SQLite (makemigrations --check needs no server); the suite may not."""
    import subprocess
    import sys

    from tests.support.processes import REPO

    env = {"PATH": "/usr/bin:/bin", "MABOS_ENV": "test", "VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "pytest", "tests/test_migrations.py", "-q"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "needs the throwaway PostgreSQL and Redis" in result.stdout + result.stderr
