"""The action wake-up: after requests commit, tell an action worker there is work.

The delivery wake-up's publishing path (``publish_coalesced`` in ``agents.messaging.services.wakeup``: the
``broker-publish`` breaker, short timeouts, one pending wake-up standing for every insert until a worker
takes it). Only an optimisation: the requests are committed, and the beat sweeper (``agents.sweep_actions``)
runs due requests whatever happened to the wake-up.
"""

from __future__ import annotations

from django.db import transaction

from agents.messaging.services.wakeup import publish_coalesced, wakeup_taken

#: The worker's task, published by name (a domain module never imports a task module).
RUN_TASK = "agents.run_actions"
QUEUE = "actions"
WAKEUP_KEY = "mabos:actions:wakeup-pending"


def actions_wakeup() -> bool:
    """Ask an action worker to run due requests now. False when the sweeper must carry it."""
    return publish_coalesced(task=RUN_TASK, queue=QUEUE, key=WAKEUP_KEY)


def actions_wakeup_after_commit() -> None:
    """Publish an action wake-up once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(actions_wakeup, robust=True)


def actions_wakeup_taken() -> None:
    """Called by the worker before it claims: requests committed from now on publish a fresh wake-up."""
    wakeup_taken(WAKEUP_KEY)
