"""The Redis sliding-window throttle: its arithmetic, refused requests, and a dead Redis."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from mabos.api import throttling
from mabos.api.throttling import UserRateThrottle, window_wait
from tests.support.api import client_for, throttle_rates


@pytest.mark.parametrize(("kwargs", "expected"), [
    # Nothing before this window: one more fits once this window is over and a third of the next has passed
    # (3 requests fading to 2).
    ({"limit": 3, "duration": 60, "elapsed": 10, "previous": 0, "current": 3}, 50 + 20),
    # The last window's 4 requests fade: 4 * (1 - f) + 1 <= 2 once f >= 3/4, i.e. at 45 s; now is 30 s.
    ({"limit": 3, "duration": 60, "elapsed": 30, "previous": 4, "current": 1}, 15),
    # Room already: no wait.
    ({"limit": 3, "duration": 60, "elapsed": 30, "previous": 0, "current": 1}, 0),
    ({"limit": 1, "duration": 1, "elapsed": 0.5, "previous": 0, "current": 1}, 0.5 + 1),
])
def test_window_wait_is_when_the_sliding_estimate_admits_one_more(kwargs, expected):
    assert window_wait(**kwargs) == pytest.approx(expected)


def test_refused_requests_do_not_use_up_the_next_windows_budget(make_user, monkeypatch):
    clock = [6000.0 * 60]  # the start of a window of one minute
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: clock[0])
    client = client_for(make_user())
    with throttle_rates(user="2/minute"):
        assert [client.get("/api/v1/auth/me/").status_code for _ in range(5)] == [200, 200, 429, 429, 429]
        clock[0] += 60 + 31  # next window, 31 s in: 2 * (1 - 31/60) + 1 = 1.97 <= 2 (5 counted would be 3.4)
        assert client.get("/api/v1/auth/me/").status_code == 200
        assert client.get("/api/v1/auth/me/").status_code == 429


def test_the_budget_is_per_window_pair_and_expires(make_user):
    client = client_for(make_user())
    with throttle_rates(user="5/hour"):
        assert client.get("/api/v1/auth/me/").status_code == 200
    client_redis = throttling._redis()
    keys = client_redis.keys("mabos:throttle:*")
    assert len(keys) == 1 and 3600 < client_redis.ttl(keys[0]) <= 7200


def test_a_dead_redis_lets_requests_through(make_user):
    client = client_for(make_user())
    dead = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    with throttle_rates(user="1/minute"):
        assert [client.get("/api/v1/auth/me/").status_code for _ in range(2)] == [200, 429]
        with override_settings(CACHES={"default": dead}):
            assert [client.get("/api/v1/auth/me/").status_code for _ in range(3)] == [200, 200, 200]
