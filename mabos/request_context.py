"""Who is asking, from where, under which request id: carried in contextvars.

The middleware publishes the request id, the client IP and the user agent for
the duration of one request, and keeps a reference to the Django request so the
*user* is read lazily, at the moment someone (the audit log) asks for it.

Why lazily: DRF authenticates inside the view (JWT, API keys, sessions), long
after every middleware has run. But DRF's ``Request.user`` setter also assigns
the user to the wrapped Django ``HttpRequest`` (``request._request.user``), for
exactly this kind of compatibility. So reading ``request.user`` from the stored
Django request at audit time sees whatever any DRF authenticator decided, with
no per-authenticator code. ``set_request_user`` remains for code that knows the
user before anything else does (a login view publishing the user it just
checked); an explicitly published user wins.

Celery tasks inherit the request id through ``mabos.task_context``.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty as _lazy_empty

REQUEST_ID_HEADER = "X-Request-ID"
# A client or proxy may hand us its request id, but only a short, plain one:
# it ends up in logs and audit rows.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
USER_AGENT_MAX_LENGTH = 512  # read from the header; the audit row truncates further

_request_id: ContextVar[str | None] = ContextVar("mabos_request_id", default=None)
_task_name: ContextVar[str | None] = ContextVar("mabos_task_name", default=None)
_request: ContextVar[HttpRequest | None] = ContextVar("mabos_request", default=None)
_explicit_user: ContextVar[Any] = ContextVar("mabos_request_user", default=None)
# Who and for which organization, for log lines: set by code that knows (a task carrying its caller's).
_log_actor: ContextVar[str | None] = ContextVar("mabos_log_actor", default=None)
_log_organization: ContextVar[str | None] = ContextVar("mabos_log_organization", default=None)


# --- reading the context ---------------------------------------------------------

def current_request_id() -> str | None:
    """The id of the request (or of the request that started this task), if any."""
    return _request_id.get()


def current_task_name() -> str | None:
    return _task_name.get()


def current_request() -> HttpRequest | None:
    return _request.get()


def in_request() -> bool:
    """True while a web request is being served in this context."""
    return _request.get() is not None


def current_ip() -> str | None:
    request = _request.get()
    return client_ip(request) if request is not None else None


def current_user_agent() -> str:
    request = _request.get()
    if request is None:
        return ""
    return str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX_LENGTH]


def current_user() -> Any | None:
    """The authenticated user of the current request, or None (anonymous, or no request).

    An explicitly published user wins; otherwise ``request.user`` is read now,
    which sees a user authenticated by DRF inside the view (see the module doc).
    """
    explicit = _explicit_user.get()
    if explicit is not None:
        return explicit if getattr(explicit, "is_authenticated", False) else None
    request = _request.get()
    if request is None:
        return None
    user = getattr(request, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def set_request_user(user: Any) -> None:
    """Publish the user of this request before ``request.user`` knows it (e.g. right after a login)."""
    _explicit_user.set(user)


# --- setting the context -----------------------------------------------------------

def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """An incoming id we are willing to reuse, or None (then we make our own)."""
    if value and _SANE_REQUEST_ID.match(value):
        return value
    return None


def bind(*, request_id: str | None, task_name: str | None = None, actor: str | None = None,
         organization: str | None = None) -> Callable[[], None]:
    """Set the request id (and task name, and the actor and organization logs name) for this context;
    return the function that undoes it.

    Used by the Celery signal handlers and by scripts that want their log lines
    and audit events tied together.
    """
    tokens = (_request_id.set(request_id), _task_name.set(task_name), _explicit_user.set(None),
              _log_actor.set(actor), _log_organization.set(organization))

    def reset() -> None:
        _request_id.reset(tokens[0])
        _task_name.reset(tokens[1])
        _explicit_user.reset(tokens[2])
        _log_actor.reset(tokens[3])
        _log_organization.reset(tokens[4])

    return reset


def set_log_context(*, actor: str | None = None, organization: Any = None) -> None:
    """Name the actor ("user:alice", "agent:cfo") and/or organization for the rest of this context's logs.

    Services that act for an organization call it so their log lines (and the
    tasks they queue, see ``mabos.task_context``) say which one.
    """
    if actor is not None:
        _log_actor.set(str(actor))
    if organization is not None:
        _log_organization.set(str(getattr(organization, "pk", organization)))


def log_actor() -> str | None:
    """"user:<username>" or "agent:<slug>" for the current request or task, without forcing a lookup.

    A log filter must never trigger a query (which would log, which would
    filter ...): a lazy ``request.user`` that nobody evaluated yet stays unread.
    """
    explicit = _log_actor.get()
    if explicit:
        return explicit
    user = _explicit_user.get()
    if user is None:
        request = _request.get()
        user = request.__dict__.get("user") if request is not None else None
        if getattr(user, "_wrapped", None) is _lazy_empty:
            return None
    return _describe_principal(user)


def log_organization() -> str | None:
    explicit = _log_organization.get()
    if explicit:
        return explicit
    agent = getattr(_explicit_user.get() or _evaluated_request_user(), "agent", None)
    org = getattr(agent, "organization_id", None)
    return str(org) if org else None


def _evaluated_request_user() -> Any:
    request = _request.get()
    user = request.__dict__.get("user") if request is not None else None
    return None if getattr(user, "_wrapped", None) is _lazy_empty else user


def _describe_principal(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    agent = getattr(user, "agent", None)
    if agent is not None:
        return f"agent:{getattr(agent, 'slug', agent)}"
    return f"user:{user.get_username()}" if hasattr(user, "get_username") else f"user:{user.pk}"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind TRUSTED_PROXY_COUNT proxies.

    Each trusted proxy appends the address it received the connection from, so
    with N trusted proxies the client is the Nth address from the right;
    anything further left was written by the client and proves nothing. A
    header shorter than N, or an unparsable entry, falls back to REMOTE_ADDR.
    """
    remote = _normalise_ip(request.META.get("REMOTE_ADDR"))
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        return remote
    return _normalise_ip(forwarded[-trusted]) or remote


def _normalise_ip(value: Any) -> str | None:
    """The canonical text of an IP address (no zone id, compressed IPv6), or None if it is not one."""
    if not value:
        return None
    text = str(value).strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


class RequestContextMiddleware:
    """Give every request an id (kept from a sane X-Request-ID header, else a new uuid4) and echo it.

    Sits right after SecurityMiddleware so every later middleware, the view and
    anything they log or audit see the same id.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = sane_request_id(request.META.get("HTTP_X_REQUEST_ID")) or new_request_id()
        request.request_id = request_id
        reset = bind(request_id=request_id)
        request_token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(request_token)
            reset()
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestContextLogFilter(logging.Filter):
    """Put ``request_id``, ``task_name``, ``actor`` (user or agent), ``agent`` and ``organization`` on every
    record ("-" when unknown).

    Attached to handlers (not loggers), so records from every library that
    propagate to the handler carry them and the formatter can rely on them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        record.task_name = _task_name.get() or "-"
        try:
            actor = log_actor()
            organization = log_organization()
        except Exception:  # describing the actor must never cost the log line
            actor = organization = None
        record.actor = actor or "-"
        record.agent = actor[len("agent:"):] if actor and actor.startswith("agent:") else "-"
        record.organization = organization or "-"
        return True
