"""WSGI entry point (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

from config.env import load_config_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
load_config_or_exit()
application = get_wsgi_application()

from mabos.config_drift.recording import record_at_start  # noqa: E402  (needs the apps loaded)

record_at_start("web")  # each web process records configuration drift once (docs/audit.md)
