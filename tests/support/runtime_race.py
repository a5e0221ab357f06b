"""A write racing a reasoning cycle: the cycle holds its agent's runtime row for its whole transaction, and a
service that must wait for it (a decision, a drop) takes that row first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from agents.models import AgentRuntime
from tests.support.polling import wait_until


def _waiting_for_the_runtime_row() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND query LIKE '%%agents_agentruntime%%'")
        return cursor.fetchone()[0] >= 1


def write_while_a_cycle_holds(agent: Any, *, cycle_commits: Callable[[], Any], write: Callable[[], Any]) -> Any:
    """Hold ``agent``'s runtime row as a cycle does, start ``write`` in another thread, check it waits for the row
    (blocked on a lock, no outcome yet), then let the "cycle" apply ``cycle_commits`` and commit. Returns what
    ``write`` returned or raised, once it saw the cycle's commit. Needs a transactional test."""
    held, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def cycle() -> None:
        try:
            with transaction.atomic():
                list(AgentRuntime.objects.select_for_update().filter(agent=agent))
                held.set()
                release.wait(30)
                cycle_commits()
        finally:
            connection.close()

    def writer() -> None:
        try:
            outcome["result"] = write()
        except Exception as exc:  # the outcome is what the caller asserts
            outcome["result"] = exc
        finally:
            connection.close()

    holder = threading.Thread(target=cycle)
    holder.start()
    assert held.wait(30), "the cycle did not take the runtime row"
    other = threading.Thread(target=writer)
    other.start()
    wait_until(_waiting_for_the_runtime_row, timeout=20, message="the write waiting for the runtime row")
    assert "result" not in outcome, "the write did not wait for the cycle"
    release.set()
    holder.join(30)
    other.join(30)
    return outcome["result"]
