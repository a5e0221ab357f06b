"""The web pool's check lends a quiet connection without a round trip and refuses one the server closed."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from mabos.resilience import connection_check
from mabos.resilience.connection_check import pool_check
from tests.support import processes
from tests.support.polling import wait_until


@pytest.fixture
def fresh(db):
    conn = psycopg.connect(processes.test_database_url(), autocommit=True)
    yield conn
    conn.close()


@pytest.fixture
def full_checks(monkeypatch):
    """Count the full (round-trip) checks while still running them."""
    calls = []
    real = ConnectionPool.check_connection

    def counting(conn):
        calls.append(conn)
        return real(conn)

    monkeypatch.setattr(connection_check.ConnectionPool, "check_connection", staticmethod(counting))
    return calls


def test_a_quiet_connection_is_lent_without_asking_the_server(fresh, full_checks):
    pool_check(fresh)
    pool_check(fresh)
    assert full_checks == []
    assert fresh.execute("SELECT 1").fetchone() == (1,)


def test_a_connection_whose_backend_was_terminated_is_refused(fresh, full_checks):
    pid = fresh.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    # The server writes its FATAL notice and closes the socket: the poll sees it, the full check fails.
    wait_until(lambda: _gone(pid), timeout=10, message="the backend gone")
    with pytest.raises(psycopg.OperationalError):
        pool_check(fresh)
    assert full_checks == [fresh]


def test_a_closed_connection_is_refused_at_once(fresh, full_checks):
    fresh.close()
    with pytest.raises(psycopg.OperationalError):
        pool_check(fresh)
    assert full_checks == []


def _gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else this transaction keeps its first snapshot
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0
