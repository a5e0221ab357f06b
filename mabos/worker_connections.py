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


@task_prerun.connect(weak=False)
def _before_task(**kwargs) -> None:
    close_old_connections()


@task_postrun.connect(weak=False)
def _after_task(**kwargs) -> None:
    close_old_connections()
