"""The Celery application; its settings live in config/settings/workers.py."""

import os

from celery import Celery

from config.env import load_config_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# `celery -A config ...` imports this first: a bad environment prints one message, not a traceback.
load_config_or_exit()

app = Celery("mabos")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

import mabos.task_context  # noqa: E402  (request id travels into tasks)
import mabos.worker_connections  # noqa: E402,F401  (after the app exists: connects task signals)
