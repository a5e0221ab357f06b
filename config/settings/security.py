"""Security settings from the configuration: headers, cookies, passwords, JWT, lockout, the API.

Each function returns a dict of Django settings so ``config/settings/__init__.py``
stays a readable list, and every value still comes from the one env schema.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from config.env import Config

#: Longest password we hash; longer ones are refused before hashing (no hashing-DoS).
PASSWORD_MAX_LENGTH = 128


def header_settings(config: Config) -> dict[str, Any]:
    """Headers on every response, HTTPS and cookies. Production turns the transport rules on."""
    production = config.is_production
    cookie_prefix = "__Host-" if production else ""
    settings: dict[str, Any] = {
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "SECURE_SSL_REDIRECT": config.SECURE_SSL_REDIRECT,
        # Load balancers probe and Prometheus scrapes over plain HTTP inside the network.
        "SECURE_REDIRECT_EXEMPT": [r"^health/", r"^metrics$"],
        "SECURE_HSTS_SECONDS": config.SECURE_HSTS_SECONDS,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": config.SECURE_HSTS_SECONDS > 0,
        "SECURE_HSTS_PRELOAD": config.SECURE_HSTS_PRELOAD,
        # __Host- cookies must be Secure, Path=/ and have no Domain: the browser enforces it.
        "SESSION_COOKIE_NAME": f"{cookie_prefix}sessionid",
        "CSRF_COOKIE_NAME": f"{cookie_prefix}csrftoken",
        "SESSION_COOKIE_SECURE": production,
        "CSRF_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "DATA_UPLOAD_MAX_MEMORY_SIZE": config.DATA_UPLOAD_MAX_MEMORY_SIZE,
        "CSRF_FAILURE_VIEW": "mabos.api.http_errors.csrf_failure",
        "CONTENT_SECURITY_POLICY": {
            "DIRECTIVES": {
                "default-src": ["'self'"],
                "frame-ancestors": ["'none'"],
                # Swagger UI draws its icons as data: images.
                "img-src": ["'self'", "data:"],
                "form-action": ["'self'"],
                "base-uri": ["'self'"],
                "object-src": ["'none'"],
            },
        },
    }
    if config.SECURE_PROXY_SSL_HEADER:
        settings["SECURE_PROXY_SSL_HEADER"] = (config.SECURE_PROXY_SSL_HEADER, "https")
    return settings


def password_settings() -> dict[str, Any]:
    """Argon2 first: new hashes use it, old PBKDF2 hashes are upgraded at the next login."""
    validation = "django.contrib.auth.password_validation"
    return {
        "PASSWORD_HASHERS": [
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
            "django.contrib.auth.hashers.ScryptPasswordHasher",
        ],
        "AUTH_PASSWORD_VALIDATORS": [
            {"NAME": f"{validation}.UserAttributeSimilarityValidator"},
            {"NAME": f"{validation}.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
            {"NAME": "accounts.passwords.MaximumLengthValidator",
             "OPTIONS": {"max_length": PASSWORD_MAX_LENGTH}},
            {"NAME": f"{validation}.CommonPasswordValidator"},
            {"NAME": f"{validation}.NumericPasswordValidator"},
        ],
    }


def lockout_settings(config: Config) -> dict[str, Any]:
    """django-axes: username + IP lockouts with a finite cool-off, the client IP as the audit sees it."""
    return {
        "AUTHENTICATION_BACKENDS": [
            "axes.backends.AxesStandaloneBackend",
            "django.contrib.auth.backends.ModelBackend",
            "guardian.backends.ObjectPermissionBackend",
        ],
        "AXES_FAILURE_LIMIT": config.AXES_FAILURE_LIMIT,
        "AXES_COOLOFF_TIME": timedelta(minutes=config.AXES_COOLOFF_MINUTES),
        "AXES_LOCKOUT_PARAMETERS": [["username", "ip_address"]],
        "AXES_RESET_ON_SUCCESS": True,
        # A locked-out client that keeps trying must not extend its own lockout forever.
        "AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT": False,
        "AXES_CLIENT_IP_CALLABLE": "mabos.request_context.client_ip",
        "AXES_LOCKOUT_CALLABLE": "accounts.lockout.lockout_response",
        "AXES_USERNAME_FORM_FIELD": "username",
        "AXES_VERBOSE": False,
    }


def jwt_settings(config: Config) -> dict[str, Any]:
    """simplejwt: fixed HS256, aud/iss checked, keys from JWT_SIGNING_KEYS (see accounts.tokens)."""
    keys = config.JWT_SIGNING_KEYS or {}
    newest = list(keys.values())[-1] if keys else ""
    return {
        "MABOS_JWT_SIGNING_KEYS": dict(keys),
        "SIMPLE_JWT": {
            "ACCESS_TOKEN_LIFETIME": timedelta(minutes=config.JWT_ACCESS_LIFETIME_MINUTES),
            "REFRESH_TOKEN_LIFETIME": timedelta(days=config.JWT_REFRESH_LIFETIME_DAYS),
            "ROTATE_REFRESH_TOKENS": True,
            "BLACKLIST_AFTER_ROTATION": True,
            "UPDATE_LAST_LOGIN": True,
            "ALGORITHM": "HS256",
            # Never SECRET_KEY; accounts.tokens replaces the backend with the key ring.
            "SIGNING_KEY": newest,
            "AUDIENCE": config.JWT_AUDIENCE,
            "ISSUER": config.JWT_ISSUER,
            "LEEWAY": 0,
            "AUTH_HEADER_TYPES": ("Bearer",),
            "USER_ID_FIELD": "id",
            "USER_ID_CLAIM": "user_id",
            "AUTH_TOKEN_CLASSES": ("accounts.tokens.AccessToken",),
            "CHECK_USER_IS_ACTIVE": True,
            # A password change invalidates every token issued before it, on any path.
            "CHECK_REVOKE_TOKEN": True,
        },
    }


def api_settings(config: Config) -> dict[str, Any]:
    """REST framework and drf-spectacular: one error shape, versioning, pagination, throttles."""
    return {
        "REST_FRAMEWORK": {
            "DEFAULT_AUTHENTICATION_CLASSES": [
                "accounts.authentication.JWTAuthentication",
                "rest_framework.authentication.SessionAuthentication",
            ],
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "DEFAULT_RENDERER_CLASSES": [
                "rest_framework.renderers.JSONRenderer",
                "mabos.api.renderers.StaffBrowsableAPIRenderer",
            ],
            # Depth limit, and no NUL / lone surrogate / non-finite number anywhere: see mabos/api/parsers.py.
            "DEFAULT_PARSER_CLASSES": ["mabos.api.parsers.StorableJSONParser"],
            "DEFAULT_CONTENT_NEGOTIATION_CLASS": "mabos.api.negotiation.StaffBrowsableNegotiation",
            "DEFAULT_VERSIONING_CLASS": "mabos.api.versioning.PathVersioning",
            "DEFAULT_VERSION": "v1",
            "ALLOWED_VERSIONS": ("v1",),
            "EXCEPTION_HANDLER": "mabos.api.exceptions.exception_handler",
            "DEFAULT_PAGINATION_CLASS": "mabos.api.pagination.PageNumberPagination",
            "PAGE_SIZE": config.API_PAGE_SIZE,
            "DEFAULT_THROTTLE_CLASSES": [
                "mabos.api.throttling.UserRateThrottle",
                "mabos.api.throttling.AnonRateThrottle",
            ],
            "DEFAULT_THROTTLE_RATES": {
                "user": config.THROTTLE_USER_RATE,
                "anon": config.THROTTLE_ANON_RATE,
                "auth": config.THROTTLE_AUTH_RATE,
                "auth_failure": config.THROTTLE_AUTH_FAILURE_RATE,  # mabos/api/refusals.py
            },
            "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        },
        "API_MAX_PAGE_SIZE": config.API_MAX_PAGE_SIZE,
        "SPECTACULAR_SETTINGS": {
            "TITLE": "MABOS API",
            "DESCRIPTION": "Multi-Agent Business Operating System. Authenticate with a JWT from "
                           "/api/v1/auth/token/ and send it as `Authorization: Bearer <access>`.",
            "VERSION": "1.0.0",
            "SERVE_INCLUDE_SCHEMA": False,
            "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
            "SWAGGER_UI_DIST": "SIDECAR",
            "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
            "REDOC_DIST": "SIDECAR",
            "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
            "COMPONENT_SPLIT_REQUEST": True,
            # Our base classes' docstrings describe plumbing: never an operation's or a body's description.
            "GET_LIB_DOC_EXCLUDES": "mabos.api.schema.lib_doc_excludes",
            # Every operation documents its error answers with the {code, detail, fields?} body (mabos/api/schema.py).
            "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                                     "mabos.api.schema.error_responses"],
            # Several models have a "kind" or "status": name each enum after its model.
            "ENUM_NAME_OVERRIDES": {
                "AgentKindEnum": "agents.agent.models.AgentKind",
                "AgentStatusEnum": "agents.agent.models.AgentStatus",
                "GoalKindEnum": "agents.common.goal_kinds.GoalKind",
                "GoalStatusEnum": "agents.reasoning.models.GoalStatus",
                "SessionKindEnum": "accounts.models.UserSession.Kind",
                "DeliveryStatusEnum": "agents.messaging.models.DeliveryStatus",
                "PerformativeEnum": "agents.messaging.models.Performative",
                "EventKindEnum": "agents.reasoning.events.models.EventKind",
                "EventSourceEnum": "agents.reasoning.events.models.EventSource",
                "TriggerKindEnum": "agents.reasoning.plans.triggers.TriggerKind",
                "IntentionStatusEnum": "agents.reasoning.intentions.models.IntentionStatus",
                "ProtocolEnum": "agents.protocols.transitions.PROTOCOL_CHOICES",
                "RunStateEnum": "agents.protocols.transitions.STATE_CHOICES",
                "SupervisionStrategyEnum": "agents.supervision.models.Strategy",
                "RestartTypeEnum": "agents.supervision.models.RestartType",
                "EscalateToEnum": "agents.supervision.models.EscalateTo",
                "SupervisionEventKindEnum": "agents.supervision.models.SupervisionEventKind",
                "PolicySourceEnum": "agents.learning.api.serializers.SOURCES",
            },
        },
    }
