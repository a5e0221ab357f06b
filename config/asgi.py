"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from config.env import load_config_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
load_config_or_exit()
application = get_asgi_application()

from mabos.config_drift.recording import record_at_start  # noqa: E402  (needs the apps loaded)

record_at_start("web")  # each web process records configuration drift once (docs/audit.md)
