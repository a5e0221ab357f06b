"""The reasoning wake-up: after an event commits, tell a reasoning worker an agent is due. Off until the cycle.

Like the delivery wake-up (``agents.messaging.services.wakeup``, whose publishing path this uses: breaker,
short timeouts, one pending wake-up standing for many events) it is only an optimisation: the event and
its agent's ``wake_at`` are committed, and the cycle's beat sweeper claims due runtimes whatever happened
to the wake-up.

The task that consumes it, ``agents.reason_due`` on the ``reasoning`` queue, is the cycle's (issue 13 part
5) and does not exist yet. Publishing a task no worker knows would only put an "unregistered task" error
in every worker's log, so nothing is published until ``reasoning_wakeup_enable()`` is called: the cycle
calls it from ``AgentsConfig.ready`` when it registers the task. Until then ``reasoning_wakeup_after_commit``
is the hook every poster already calls.
"""

from __future__ import annotations

from django.db import transaction

from agents.messaging.services.wakeup import publish_coalesced

#: The cycle's task, published by name (a domain module never imports a task module).
REASON_TASK = "agents.reason_due"
REASON_QUEUE = "reasoning"
#: One pending reasoning wake-up stands for every event committed until a worker takes it.
REASON_WAKEUP_KEY = "mabos:reasoning:wakeup-pending"

_enabled: list[bool] = [False]


def reasoning_wakeup_enable(enabled: bool = True) -> None:
    """Start (or stop) publishing reasoning wake-ups: called once ``REASON_TASK`` is registered."""
    _enabled[0] = enabled


def reasoning_wakeup_enabled() -> bool:
    return _enabled[0]


def publish_reasoning_wakeup() -> bool:
    """Ask a reasoning worker to run due agents now. False when off, or when the sweeper must carry it."""
    if not _enabled[0]:
        return False
    return publish_coalesced(task=REASON_TASK, queue=REASON_QUEUE, key=REASON_WAKEUP_KEY)


def reasoning_wakeup_after_commit() -> None:
    """Publish a reasoning wake-up once the current transaction commits (nothing if it rolls back)."""
    if _enabled[0]:
        transaction.on_commit(publish_reasoning_wakeup, robust=True)
