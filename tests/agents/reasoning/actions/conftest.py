"""Fixtures of the action tests: an internal agent with a waiting intention, settings, a fake third party."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from agents.models import ActionRequest, Intention
from agents.reasoning.actions.services import NewActionRequest, action_requests_insert
from agents.reasoning.actions.transport import BREAKER_PREFIX
from mabos.resilience.breakers import all_breakers
from tests.support.fake_http import FakeServer


@pytest.fixture
def intention(agent) -> Intention:
    now = timezone.now()
    return Intention.objects.create(agent=agent, status="waiting", trigger_kind="goal_added", trigger_name="sell",
                                    created_at=now, updated_at=now)


@pytest.fixture
def configure(settings) -> Callable[..., None]:
    """``configure(HTTP_TIMEOUT_SECONDS=0.3, ...)``: change settings.ACTIONS for this test."""
    def change(**values: Any) -> None:
        settings.ACTIONS = {**settings.ACTIONS, **values}
    return change


@pytest.fixture
def server(configure) -> Iterator[FakeServer]:
    """A local third party whose host is allow-listed."""
    with FakeServer() as fake:
        configure(HTTP_ALLOWED_HOSTS=[fake.host])
        yield fake


@pytest.fixture(autouse=True)
def _fresh_http_breakers() -> Iterator[None]:
    """The breakers' state lives in the shared Redis, keyed by host and port: a port the OS gives again must
    not find the last test's failures."""
    yield
    for name, guard in all_breakers().items():
        if name.startswith(f"{BREAKER_PREFIX}:"):
            guard.close()


@pytest.fixture
def requested(agent, intention) -> Callable[..., ActionRequest]:
    """``requested("http.post", {"url": ...})``: one request as the cycle inserts it, read back."""
    def insert(name: str, args: dict | None = None, *, key: str | None = None, of: Any = None) -> ActionRequest:
        key = key or f"{intention.pk}:{uuid.uuid4().hex[:8]}"
        action_requests_insert(requests=[NewActionRequest(agent=of or agent, name=name, args=args or {},
                                                          idempotency_key=key, intention=intention)])
        return ActionRequest.objects.get(idempotency_key=key)
    return insert
