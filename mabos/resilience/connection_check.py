"""The web pool's check before it lends a connection: ask the server only when its socket says something.

psycopg_pool's own check (``ConnectionPool.check_connection``) sends an empty query on every
checkout, so every request that touches the database paid one round trip before its first
statement: for ``POST messages/`` with an agent key, one of its three, and on a web process with
four threads a blocking round trip costs far more CPU than the query itself (docs/benchmarks.md, (c)).

An idle connection hears nothing from the server unless the server is done with it: a terminated
backend (``pg_terminate_backend``, a restart, a crash of the backend) writes its FATAL error and closes
the socket, and both make the socket readable. So this check polls the socket without waiting: quiet,
the connection is lent as it is; readable (or the poll fails), the full check runs, which reads what
came and raises if the connection is dead, and the pool replaces it. A killed connection still costs
at most the request in flight (tests/mabos/test_db_resilience.py). What neither check can see is a
peer that vanished without closing (a cut cable): the empty query would wait for TCP to give up too.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool


def pool_check(conn: Any) -> None:
    """Raise if ``conn`` is no longer usable (the pool then discards it and tries another)."""
    if conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    try:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
        quiet = not poller.poll(0)
    except (OSError, ValueError, psycopg.Error):
        quiet = False
    if not quiet:
        ConnectionPool.check_connection(conn)
