"""Structured logs: JSON lines in production, readable lines in development, secrets never written.

Every record passes two filters on the handler (so records of every library
get them too):

- ``RequestContextLogFilter`` (``mabos.request_context``): request id, task name,
  the user or agent, and the organization where known;
- ``RedactionFilter``: rewrites the message, its arguments, extra fields and the
  traceback text so passwords, tokens, Authorization headers, credentials in
  URLs and the configured secret values (every ``secret=True`` setting) never
  reach the output. It runs on the rendered text, because a secret can arrive
  through any ``%s``.

``LOG_FORMAT`` picks the formatter: ``json`` (one object per line, for log
collectors) or ``text``.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

REDACTED = "[REDACTED]"

_SENSITIVE_NAMES = (
    r"(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|authorization|cookie|sessionid|csrftoken|"
    r"refresh|access|signing[_-]?key|private[_-]?key|pepper|credentials?)")
# key=value, key: value, "key": "value", 'key': 'value' (the key may carry a prefix: db_password, x-api-key).
_KEY_VALUE = re.compile(
    r"(?P<key>[\"']?[\w.-]*" + _SENSITIVE_NAMES + r"[\w.-]*[\"']?\s*[=:]\s*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|(?:Bearer|Basic|Agent|Token)\s+[^\s,;&\"'}]+|[^\s,;&\"'}\]]+)",
    re.IGNORECASE)
_AUTH_SCHEME = re.compile(r"\b(?P<scheme>Bearer|Basic|Agent|Token)\s+(?P<value>[A-Za-z0-9._~+/=-]{8,})")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<password>[^@/\s]+)@",
                              re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")

# Attributes every LogRecord has; anything else was passed with extra= and is shown as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id",
                                                                       "task_name", "actor", "agent",
                                                                       "organization"}


_secrets: tuple[str, ...] | None = None


def configured_secrets() -> tuple[str, ...]:
    """The values of every secret setting (long enough to be unambiguous), longest first.

    Computed once Django's settings are available; before that (gunicorn's
    master starting) only the patterns apply, and nothing is cached.
    """
    global _secrets
    if _secrets is not None:
        return _secrets
    try:
        from django.conf import settings

        from config.env import SCHEMA

        values = settings.MABOS_CONFIG.values
    except Exception:
        return ()
    found: set[str] = set()
    for setting in SCHEMA:
        if not setting.secret:
            continue
        value = values.get(setting.name)
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and len(item) >= 8:
                found.add(item)
                password = _URL_CREDENTIALS.search(item) if "://" in item else None
                if password and len(password.group("password")) >= 4:
                    found.add(password.group("password"))
    _secrets = tuple(sorted(found, key=len, reverse=True))
    return _secrets


def redact(text: str) -> str:
    """The text with every secret-looking value replaced by [REDACTED]."""
    if not text:
        return text
    for secret in configured_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{REDACTED}@", text)
    text = _KEY_VALUE.sub(lambda m: m.group("key") + _quoted(m.group("value")), text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m.group('scheme')} {REDACTED}", text)
    return _JWT.sub(REDACTED, text)


def _quoted(value: str) -> str:
    if value[:1] in "\"'" and value[-1:] == value[:1]:
        return f"{value[0]}{REDACTED}{value[0]}"
    return REDACTED


def redact_value(value: Any, key: str = "") -> Any:
    """Redact a structured value (an extra field): secret-named keys lose their value entirely."""
    if key and re.search(_SENSITIVE_NAMES, key, re.IGNORECASE):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


class RedactionFilter(logging.Filter):
    """Render the message, redact it and freeze it, so no formatter can re-expand the arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: show it raw rather than lose the record
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD:
                setattr(record, name, redact_value(value, name))
        return True


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request_id=... task=... actor=... org=...] message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [request_id=%(request_id)s task=%(task_name)s "
                         "actor=%(actor)s org=%(organization)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        for name in ("request_id", "task_name", "actor", "organization"):
            if not hasattr(record, name):
                setattr(record, name, "-")
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; context fields always present (null when unknown)."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _none_if_dash(getattr(record, "request_id", None)),
            "task": _none_if_dash(getattr(record, "task_name", None)),
            "actor": _none_if_dash(getattr(record, "actor", None)),
            "agent": _none_if_dash(getattr(record, "agent", None)),
            "organization": _none_if_dash(getattr(record, "organization", None)),
            "process": record.process,
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in data:
                data[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return json.dumps(data, default=str, ensure_ascii=False)


def _none_if_dash(value: Any) -> Any:
    return None if value in (None, "-") else value


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING (and Celery's, via config/celery.py): one console handler, both filters."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_context": {"()": "mabos.request_context.RequestContextLogFilter"},
            "redaction": {"()": "mabos.logging.RedactionFilter"},
        },
        "formatters": {
            "text": {"()": "mabos.logging.TextFormatter"},
            "json": {"()": "mabos.logging.JsonFormatter"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format,
                                 "filters": ["request_context", "redaction"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": housekeeping_loggers(level),
    }


#: Celery's per-task lines ("Task ... received", "... succeeded in 0.01s") and beat's "Sending due task":
#: with a sweeper every few seconds they would be most of what an operator's terminal shows. Failures
#: are logged at ERROR by the same loggers, so WARNING keeps every line a person needs.
HOUSEKEEPING_LOGGERS = ("celery.app.trace", "celery.worker.strategy", "celery.beat")


def housekeeping_loggers(level: str) -> dict[str, Any]:
    """Periodic housekeeping logs only at DEBUG; what it actually did is summarised by our own tasks."""
    if logging.getLevelName(level) == logging.DEBUG:
        return {}
    return {name: {"level": "WARNING"} for name in HOUSEKEEPING_LOGGERS}


def gunicorn_logconfig(*, log_format: str, level: str) -> dict[str, Any]:
    """gunicorn's own loggers (the master's start-up and worker messages) in the same format."""
    config = logging_config(log_format=log_format, level=level)
    config["loggers"] |= {
        "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    }
    return config
