"""An override reaches a running worker within RUNTIME_SETTINGS_CACHE_SECONDS (the documented bound)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from mabos.runtime_settings import runtime_setting_clear, runtime_setting_set
from mabos.tasks import runtime_setting_seen
from tests.support.api import create_user
from tests.support.polling import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

NAME = "MESSAGING_ACK_TIMEOUT_SECONDS"  # harmless for other tests sharing the worker


def _seen() -> float:
    return runtime_setting_seen.apply_async(args=[NAME], expires=5).get(timeout=5)


def test_a_running_worker_sees_an_override_and_its_removal_within_the_bound(celery_worker_process):
    bound = float(settings.RUNTIME_SETTINGS_CACHE_SECONDS)
    admin_user = create_user(roles=("administrator",))
    assert _seen() == 300.0

    runtime_setting_set(name=NAME, value=301, by=admin_user)
    changed_at = time.monotonic()
    wait_until(lambda: _seen() == 301.0, timeout=bound + 10, interval=0.2, message="worker sees the override")
    assert time.monotonic() - changed_at <= bound + 2  # the bound, plus one task round trip

    runtime_setting_clear(name=NAME, by=admin_user)
    cleared_at = time.monotonic()
    wait_until(lambda: _seen() == 300.0, timeout=bound + 10, interval=0.2, message="worker sees the removal")
    assert time.monotonic() - cleared_at <= bound + 2
