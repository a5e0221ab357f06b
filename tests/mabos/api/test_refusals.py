"""A flood of refused credentials: the first N per client and window are audited, then 429 before
authentication, then one summary event with the count (mabos/api/refusals.py)."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from auditlog.models import AuditEvent
from mabos.api import refusals
from mabos.tasks import record_refusal_summaries
from tests.support.api import throttle_rates

ME_URL = "/api/v1/auth/me/"
WINDOW_START = 6000.0 * 60  # the start of a one-minute window
BAD_AGENT_KEY = "mabos_ak_0123456789ab_" + "A" * 43


def bad_jwt_client(ip: str = "203.0.113.7") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    return client


def bad_agent_key_client(ip: str = "203.0.113.7") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Agent {BAD_AGENT_KEY}")
    return client


def auth_failures():
    return AuditEvent.objects.filter(action="auth_failed")


@pytest.fixture
def clock(monkeypatch):
    now = [WINDOW_START]
    monkeypatch.setattr(refusals, "clock", lambda: now[0])
    return now


@pytest.mark.django_db
def test_a_flood_of_bad_jwts_is_audited_n_times_then_throttled_then_summarised(clock):
    client = bad_jwt_client()
    with throttle_rates(auth_failure="5/minute", anon="1000/minute"):
        statuses = [client.get(ME_URL).status_code for _ in range(30)]
        assert statuses == [401] * 5 + [429] * 25
        assert auth_failures().count() == 5  # operators still see the attack begin

        clock[0] += 15
        with CaptureQueriesContext(connection) as queries:
            throttled = client.get(ME_URL)
        assert throttled.status_code == 429 and throttled.json()["code"] == "throttled"
        assert throttled["Retry-After"] == "45"  # the rest of the window
        assert not [q["sql"] for q in queries if "auditlog" in q["sql"] or "advisory" in q["sql"]]

        other = bad_jwt_client(ip="198.51.100.1")  # another client has its own budget
        assert other.get(ME_URL).status_code == 401

        assert record_refusal_summaries.apply().get() == 0  # the window is not over yet
        clock[0] = WINDOW_START + 60
        assert record_refusal_summaries.apply().get() == 1
        assert record_refusal_summaries.apply().get() == 0  # recorded once
        summary = auth_failures().get(target_type="client_ip")
        assert summary.target_id == "203.0.113.7"
        assert summary.changes == {"refusals_not_recorded": [0, 26]}
        assert "26 more refused or throttled credential(s) from 203.0.113.7" in summary.note
        assert auth_failures().count() == 5 + 1 + 1

        assert client.get(ME_URL).status_code == 401  # a new window, a new budget
        assert auth_failures().count() == 8


@pytest.mark.django_db
def test_bad_agent_keys_and_bad_jwts_share_one_budget(clock):
    agent_url = f"/api/v1/agents/{uuid.uuid4()}/beliefs/"
    with throttle_rates(auth_failure="5/minute", anon="1000/minute"):
        assert [bad_jwt_client().get(ME_URL).status_code for _ in range(3)] == [401] * 3
        statuses = [bad_agent_key_client().get(agent_url).status_code for _ in range(10)]
        assert statuses == [401] * 2 + [429] * 8
    assert auth_failures().count() == 5
    assert auth_failures().filter(target_type="agents.agentapikey").count() == 2


@pytest.mark.django_db(transaction=True)
def test_eight_threads_flooding_at_once_leave_exactly_n_events_and_the_rest_counted(clock):
    per_thread, threads_count = 10, 8
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads_count)

    def flood() -> None:
        try:
            client = bad_jwt_client()
            start.wait(timeout=30)
            mine = [client.get(ME_URL).status_code for _ in range(per_thread)]
            with lock:
                statuses.extend(mine)
        finally:
            connections.close_all()

    with throttle_rates(auth_failure="5/minute", anon="1000/minute"):
        threads = [threading.Thread(target=flood) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(statuses) == per_thread * threads_count
        assert set(statuses) <= {401, 429} and statuses.count(429) > 0
        assert auth_failures().count() == 5
        clock[0] = WINDOW_START + 60
        assert record_refusal_summaries.apply().get() == 1
    summary = auth_failures().get(target_type="client_ip")
    assert summary.changes["refusals_not_recorded"][1] == per_thread * threads_count - 5  # nothing lost


@pytest.mark.django_db
def test_an_ipv6_client_counts_by_its_64_not_by_each_of_its_addresses(clock):
    with throttle_rates(auth_failure="3/minute", anon="1000/minute"):
        statuses = [bad_jwt_client(ip=f"2001:db8:1:2::{n:x}").get(ME_URL).status_code for n in range(1, 7)]
        assert statuses == [401] * 3 + [429] * 3
        assert bad_jwt_client(ip="2001:db8:1:3::1").get(ME_URL).status_code == 401  # another /64
        clock[0] = WINDOW_START + 60
        assert record_refusal_summaries.apply().get() == 1
    assert auth_failures().get(target_type="client_ip").target_id == "2001:db8:1:2::/64"
