"""Django settings for MABOS, derived entirely from the schema in ``config/env.py``.

Nothing here reads ``os.environ`` directly: add a variable to the schema first,
so it is typed, validated, documented and shown by ``mabos_config``.
"""

import sys
from pathlib import Path

from config.env import BASE_DIR, load_config
from config.settings.cache import cache_settings
from config.settings.database import database_settings
from config.settings.process import detect_process_role
from config.settings.workers import celery_settings

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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "mabos",
    "accounts",
    "agents",
    "auditlog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

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

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

HEALTH_CHECK_TIMEOUT = MABOS_CONFIG.HEALTH_CHECK_TIMEOUT
WAIT_FOR_SERVICES_TIMEOUT = MABOS_CONFIG.WAIT_FOR_SERVICES_TIMEOUT

globals().update(celery_settings(MABOS_CONFIG))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": MABOS_CONFIG.LOG_LEVEL},
}
