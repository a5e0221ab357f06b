"""Shared fixtures. The suite runs against the real PostgreSQL and Redis that `make test` starts."""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.db.backends.signals import connection_created

from tests.support.polling import wait_until
from tests.support.processes import RedisServer, start_worker


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if settings.MABOS_ENV != "test" or "postgresql" not in engine:
        pytest.exit("The suite needs the throwaway PostgreSQL and Redis: run it with `make test` "
                    "(or scripts/testenv.py -- pytest).", returncode=2)
    connection_created.connect(allow_audit_truncate, weak=False)


def allow_audit_truncate(sender, connection, **kwargs) -> None:
    """Let Django's flush (between transactional tests) TRUNCATE the append-only audit table, and never lose a
    deadlock to the background worker.

    The trigger (auditlog/migrations/0002, 0003) refuses TRUNCATE unless the
    session opts in and its role is a superuser (or in mabos_audit_admin): the
    suite connects as the throwaway cluster's superuser (scripts/testenv.py),
    and only this test process's connections opt in.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET mabos.audit_allow_truncate = 'on'")
            # The session's Celery worker keeps reasoning over committed events in the background, so the
            # flush after a transactional test can deadlock with one of its batches. The backend that waits
            # past deadlock_timeout detects the deadlock and is the one aborted: waiting longer here makes
            # that the worker's batch, which rolls back and is retried, never the flush.
            cursor.execute("SET deadlock_timeout = '10s'")


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """A transactional test's flush recreates content types and permissions under new ids, but this
    process's ContentType cache keeps the old objects: a grant in the next test would then look for a
    permission of a content type that no longer exists."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _forget_audit_anchor():
    """The anchored audit head lives in the shared Redis, while flush empties the audit table between
    transactional tests: without this, one test's head would make the next test's chain "tail missing"."""
    from auditlog.anchor import AnchorUnavailable, anchor_reset

    with contextlib.suppress(AnchorUnavailable):
        anchor_reset()


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def quiet(monkeypatch):
    """This process publishes no reasoning wake-up (it would go to the shared Redis and the suite's worker,
    which would then reason a fault test's agents beside the test's own workers)."""
    from agents.reasoning.runtime import wakeup

    monkeypatch.setattr(wakeup, "_enabled", [False])


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """One real Celery worker (prefork, 1 child) for the session, against the test database."""
    from mabos.tasks import ping

    worker = start_worker(tmp_path_factory.mktemp("worker"))

    def answers() -> bool:
        assert worker.alive(), f"worker exited:\n{worker.output()}"
        return ping.apply_async(expires=5).get(timeout=3) == {"pong": True}

    try:
        wait_until(answers, timeout=60, interval=0.5, message="celery worker answering mabos.ping")
        yield worker
    finally:
        worker.stop()
