"""Time every Celery task into ``mabos_task_duration_seconds`` by task name (reasoning, learning, delivery ...).

``task_prerun`` and ``task_postrun`` run in the process that executes the task,
so the duration is the task's own work, not its time in the queue. Keyed by
task id because eager tasks may nest.
"""

from __future__ import annotations

import time
from typing import Any

from celery.signals import task_postrun, task_prerun

from mabos.metrics.definitions import TASK_DURATION

_started: dict[str, float] = {}


@task_prerun.connect(weak=False)
def _task_started(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


@task_postrun.connect(weak=False)
def _task_finished(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    started = _started.pop(task_id, None) if task_id else None
    if started is not None:
        TASK_DURATION.labels(task=getattr(task, "name", None) or "unknown").observe(time.perf_counter() - started)
