"""The Celery application; its settings live in config/settings/workers.py."""

import os
import sys
from logging.config import dictConfig
from pathlib import Path

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

from config.env import load_config_or_exit
from mabos.metrics.directory import prepare_metrics_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# `celery -A config ...` imports this first: a bad environment prints one message, not a traceback.
_config = load_config_or_exit()
# Before anything imports prometheus_client: it picks multiprocess mode at import (mabos/metrics/directory.py).
prepare_metrics_dir(_config.METRICS_DIR or Path(_config.VAR_DIR) / "metrics", sys.argv)

app = Celery("mabos")


@setup_logging.connect(weak=False)
def _logging_from_django(**kwargs) -> None:
    """Workers and beat log exactly like the web (settings.LOGGING: JSON or text, context, redaction);
    connecting this signal stops Celery from installing its own handlers."""
    dictConfig(settings.LOGGING)

app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

import mabos.config_drift.hooks  # noqa: E402  (workers and beat record configuration drift)
import mabos.heartbeats  # noqa: E402  (workers and beat write heartbeats for readiness)
import mabos.metrics.task_timing  # noqa: E402  (every task's duration, by name)
import mabos.task_context  # noqa: E402  (request id travels into tasks)
import mabos.worker_connections  # noqa: E402,F401  (after the app exists: connects task signals)
