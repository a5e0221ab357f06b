"""Carry the request id from the code that queues a task into the worker that runs it.

``before_task_publish`` runs in the publishing process (a web request, or a
task queuing another task) and copies the current request id into the
message headers. ``task_prerun``/``task_postrun`` run around each task in the
worker and bind/unbind it, so the task's log lines and audit events carry the
id of the request that caused them. A task run eagerly in the same context
(``.apply()``) simply keeps the caller's id.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from mabos.request_context import bind, current_request_id, log_actor, log_organization, sane_request_id

HEADER = "mabos_request_id"
#: Who queued the task and for which organization: the worker's log lines name them too.
ACTOR_HEADER = "mabos_actor"
ORGANIZATION_HEADER = "mabos_organization"

# task id -> undo function; a worker child runs one task at a time, but eager
# tasks can nest inside each other, so the undo is keyed rather than global.
_bound: dict[str, Callable[[], None]] = {}


@before_task_publish.connect(weak=False)
def _publish_request_id(headers: dict | None = None, **kwargs: Any) -> None:
    if headers is None:
        return
    request_id = current_request_id()
    if request_id:
        headers.setdefault(HEADER, request_id)
    with suppress(Exception):  # context for logs only: never a reason to fail a publish
        actor, organization = log_actor(), log_organization()
        if actor:
            headers.setdefault(ACTOR_HEADER, actor[:200])
        if organization:
            headers.setdefault(ORGANIZATION_HEADER, organization[:64])


def _incoming_header(task: Any, name: str) -> str | None:
    request = getattr(task, "request", None)
    if request is None:
        return None
    value = getattr(request, name, None)
    if value is None:
        nested = getattr(request, "headers", None) or {}
        value = nested.get(name) if isinstance(nested, dict) else None
    return str(value) if value else None


def _incoming_request_id(task: Any) -> str | None:
    value = _incoming_header(task, HEADER)
    return sane_request_id(value) if value else None


@task_prerun.connect(weak=False)
def _bind_task_context(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request_id = _incoming_request_id(task) or current_request_id()
    name = getattr(task, "name", None)
    if task_id:
        _bound[task_id] = bind(request_id=request_id, task_name=name,
                               actor=_incoming_header(task, ACTOR_HEADER) or log_actor(),
                               organization=_incoming_header(task, ORGANIZATION_HEADER) or log_organization())


@task_postrun.connect(weak=False)
def _unbind_task_context(task_id: str | None = None, **kwargs: Any) -> None:
    reset = _bound.pop(task_id, None) if task_id else None
    if reset is not None:
        # ValueError: the token came from another context (a task finished in a
        # different thread than it started); nothing of ours is left bound there.
        with suppress(ValueError):
            reset()
