"""MABOS plus one bare DRF echo endpoint, for the HTTP baseline of `make bench` (never served in production)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings

settings.ROOT_URLCONF = "scripts.bench.urls"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
