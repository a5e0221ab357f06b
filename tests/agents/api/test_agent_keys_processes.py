"""A key revoked in one process is refused by every gunicorn worker within AGENT_KEY_CACHE_SECONDS."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from agents.models import AgentKind
from agents.services.keys import agent_key_create, agent_key_revoke
from tests.agents.conftest import SYSTEM
from tests.agents.factories import AgentFactory
from tests.support.polling import wait_until
from tests.support.processes import start_gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

CACHE_SECONDS = 1.0


def status_of(url: str, raw: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Agent {raw}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_revoked_key_is_refused_by_every_worker_within_the_cache_time(tmp_path):
    agent = AgentFactory(kind=AgentKind.EXTERNAL)
    key, raw = agent_key_create(agent=agent, by=SYSTEM)
    # Polling a revoked key refuses it many times a second: lift the refusal bound (mabos/api/refusals.py), or
    # this client would be answered 429 before any worker looked at the key.
    web, base = start_gunicorn(tmp_path, WEB_CONCURRENCY="2", AGENT_KEY_CACHE_SECONDS=str(CACHE_SECONDS),
                               THROTTLE_AUTH_FAILURE_RATE="100000/minute")
    try:
        url = f"{base}/api/v1/agents/{agent.pk}/inbox/"
        assert [status_of(url, raw) for _ in range(20)] == [200] * 20  # both workers now remember the key
        agent_key_revoke(key=key, by=SYSTEM)  # in this process: gunicorn's workers learn it from the database
        wait_until(lambda: all(status_of(url, raw) == 401 for _ in range(20)), timeout=CACHE_SECONDS + 5,
                   interval=0.1, message="every worker refusing the revoked key")
        assert [status_of(url, raw) for _ in range(20)] == [401] * 20  # and it stays refused
    finally:
        web.stop()
