"""The Celery application; its settings live in config/settings/workers.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mabos")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

import mabos.worker_connections  # noqa: E402,F401  (after the app exists: connects task signals)
