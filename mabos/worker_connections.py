"""Database connections in Celery workers behave like they do around a web request.

Celery's Django fix-up closes every connection before and after each task,
which throws away CONN_MAX_AGE. We turn that off (``CELERY_DB_REUSE_MAX``) and
run Django's own ``close_old_connections`` instead: it keeps a healthy
connection for CONN_MAX_AGE seconds, drops one that errored, and with
CONN_HEALTH_CHECKS re-checks it before the next task uses it. So a connection
killed under a worker costs at most the task in flight.
"""

from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections


def _runs_in_a_worker(task) -> bool:
    """An eager task (``.apply()``) runs inside its caller, maybe inside the caller's transaction,
    where closing the connection would break that transaction; only real worker runs qualify."""
    request = getattr(task, "request", None)
    return not getattr(request, "is_eager", False)


@task_prerun.connect(weak=False)
def _before_task(task=None, **kwargs) -> None:
    if _runs_in_a_worker(task):
        close_old_connections()


@task_postrun.connect(weak=False)
def _after_task(task=None, **kwargs) -> None:
    if _runs_in_a_worker(task):
        close_old_connections()
