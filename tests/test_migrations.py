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
