"""API test helpers: users with a known password (hashed once), clients with tokens or agent keys, the fields
a refusal names, throttle rates, clean shared state."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from rest_framework.test import APIClient

PASSWORD = "correct horse battery staple 42"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    """Argon2 is deliberately slow: hash each test password once per run, not once per user."""
    if password not in _hash_cache:
        _hash_cache[password] = make_password(password)
    return _hash_cache[password]


def create_user(username: str | None = None, *, roles: tuple[str, ...] = (), **fields: Any):
    from accounts.models import User
    from accounts.roles import role_assign

    user = User.objects.create(username=username or f"user{next(_counter)}", password=password_hash(), **fields)
    for role in roles:
        role_assign(user=user, role=role)
    return user


def tokens_for(user) -> dict[str, str]:
    """A real session and token pair, made by the same service the token endpoint uses."""
    from accounts.services.sessions import session_start_api

    session, refresh = session_start_api(user=user, request=None)
    return {"access": str(refresh.access_token), "refresh": str(refresh), "sid": str(session.id)}


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
    return client


def key_client(raw: str) -> APIClient:
    """A client speaking as an agent, with its raw API key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Agent {raw}")
    return client


def fields_of(response) -> dict:
    """The fields a 400 ``invalid`` names (asserting that it is one)."""
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "invalid", body
    return body["fields"]


def throttle_rates(**rates: str):
    """Override some of DRF's throttle rates (``user="3/minute"``), keeping the others."""
    from django.conf import settings
    from django.test import override_settings

    config = dict(settings.REST_FRAMEWORK)
    config["DEFAULT_THROTTLE_RATES"] = {**config["DEFAULT_THROTTLE_RATES"], **rates}
    return override_settings(REST_FRAMEWORK=config)


def reset_shared_state() -> None:
    """Throttles, lockouts and verified agent keys outlive a test's transaction: start every test from zero."""
    from axes.utils import reset

    from agents.keys import cache as key_cache

    cache.clear()
    reset()
    key_cache.clear()


@pytest.fixture
def make_user(db) -> Callable[..., Any]:
    return create_user


@pytest.fixture
def api() -> APIClient:
    return APIClient()
