"""Django settings for MABOS, derived entirely from the schema in ``config/env/schema.py``.

Nothing here reads ``os.environ`` directly: add a variable to the schema first,
so it is typed, validated, documented and shown by ``mabos_config``.
"""

import sys
from pathlib import Path

from config.env import BASE_DIR, load_config
from config.settings.cache import cache_settings
from config.settings.database import database_settings
from config.settings.process import detect_process_role
from config.settings.security import (
    api_settings,
    header_settings,
    jwt_settings,
    lockout_settings,
    password_settings,
)
from config.settings.workers import (
    actions_settings,
    celery_settings,
    learning_settings,
    messaging_settings,
    reasoning_settings,
    simulation_settings,
)
from mabos.logging import logging_config

MABOS_CONFIG = load_config()
MABOS_ENV = MABOS_CONFIG.env_name
MABOS_PROCESS_ROLE = detect_process_role(MABOS_CONFIG.MABOS_PROCESS_ROLE, sys.argv)

SECRET_KEY = MABOS_CONFIG.SECRET_KEY
SECRET_KEY_FALLBACKS = MABOS_CONFIG.SECRET_KEY_FALLBACKS
DEBUG = MABOS_CONFIG.DEBUG
ALLOWED_HOSTS = MABOS_CONFIG.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = MABOS_CONFIG.CSRF_TRUSTED_ORIGINS
VAR_DIR = MABOS_CONFIG.VAR_DIR

INSTALLED_APPS = [
    # The admin with the operator's dashboard on its index (mabos/dashboard/).
    "mabos.dashboard.MabosAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "guardian",
    "axes",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "mabos",
    "accounts",
    "agents",
    "auditlog",
]
if MABOS_ENV == "test":
    # A test-only app that proves the object-permission machinery (tests/objperm/).
    INSTALLED_APPS.append("tests.objperm")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Request id, client IP and (lazily) the user, for logs and audit events; see mabos/request_context.py.
    "mabos.request_context.RequestContextMiddleware",
    # Under /api/ every error is JSON, with DEBUG on too (no HTML debug 404): mabos/api/http_errors.py.
    "mabos.api.http_errors.JsonErrorsMiddleware",
    # An unknown query parameter is a 400 naming it, like an unknown body field (mabos/api/query_params.py).
    "mabos.api.query_params.UnknownQueryParamsMiddleware",
    # Requests by route pattern and status, with latency; one log line each (mabos/metrics/http.py).
    "mabos.metrics.http.HttpMetricsMiddleware",
    # A NUL in the query string is a 400 naming the parameter, in the path a 404 (mabos/storable/request.py).
    "mabos.storable.request.StorableRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees the outcome of the login views it guards.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_settings(MABOS_CONFIG, MABOS_PROCESS_ROLE)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = {"default": cache_settings(MABOS_CONFIG)}

AUTH_USER_MODEL = "accounts.User"
globals().update(password_settings())
globals().update(lockout_settings(MABOS_CONFIG))
globals().update(jwt_settings(MABOS_CONFIG))
globals().update(header_settings(MABOS_CONFIG))
# guardian: no anonymous user row; anonymous callers never hold object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One date style on every page: 2026-12-03 11:38:00 (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(VAR_DIR) / "static"
# gunicorn serves the admin's and the API docs' assets itself (WhiteNoise): no CDN, no extra
# server. Production serves hashed files from `collectstatic`; elsewhere straight from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if MABOS_CONFIG.is_production else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not MABOS_CONFIG.is_production
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing

globals().update(api_settings(MABOS_CONFIG))

HEALTH_CHECK_TIMEOUT = MABOS_CONFIG.HEALTH_CHECK_TIMEOUT
# Observability (docs/operations.md): who may see readiness detail and scrape /metrics, heartbeats.
HEALTH_TOKEN = MABOS_CONFIG.HEALTH_TOKEN
METRICS_TOKEN = MABOS_CONFIG.METRICS_TOKEN
METRICS_ALLOWED_IPS = MABOS_CONFIG.METRICS_ALLOWED_IPS
METRICS_DIR = MABOS_CONFIG.METRICS_DIR or str(Path(VAR_DIR) / "metrics")
HEARTBEAT_INTERVAL = MABOS_CONFIG.HEARTBEAT_INTERVAL
# Audit chain keys (id -> key); the last signs new events, all verify. See docs/audit.md.
AUDIT_HMAC_KEYS = MABOS_CONFIG.AUDIT_HMAC_KEYS
# Agent API key peppers (id -> key); the last hashes new keys, all verify. See docs/agents.md.
AGENT_KEY_PEPPERS = MABOS_CONFIG.AGENT_KEY_PEPPERS
AGENT_KEY_CACHE_SECONDS = MABOS_CONFIG.AGENT_KEY_CACHE_SECONDS
# Proxies that append to X-Forwarded-For; mabos.request_context.client_ip trusts exactly these.
TRUSTED_PROXY_COUNT = MABOS_CONFIG.TRUSTED_PROXY_COUNT
WAIT_FOR_SERVICES_TIMEOUT = MABOS_CONFIG.WAIT_FOR_SERVICES_TIMEOUT
# How long a process trusts the runtime overrides it read (mabos/runtime_settings/store.py).
RUNTIME_SETTINGS_CACHE_SECONDS = MABOS_CONFIG.RUNTIME_SETTINGS_CACHE_SECONDS

globals().update(celery_settings(MABOS_CONFIG))
MESSAGING = messaging_settings(MABOS_CONFIG)
ACTIONS = actions_settings(MABOS_CONFIG)
REASONING = reasoning_settings(MABOS_CONFIG)
LEARNING = learning_settings(MABOS_CONFIG)
SIMULATION = simulation_settings(MABOS_CONFIG)

# JSON lines or readable text (LOG_FORMAT); request id, task, actor and organization on every line,
# secrets redacted (mabos/logging.py).
LOGGING = logging_config(log_format=MABOS_CONFIG.LOG_FORMAT, level=MABOS_CONFIG.LOG_LEVEL)
