"""One POST of JSON to a third party, the way every built-in action that calls out makes it.

- **Allow-listed hosts only** (``ACTIONS_HTTP_ALLOWED_HOSTS`` for ``http.post``): entries ``host``,
  ``host:port`` or ``*.domain`` (its subdomains). Redirects are never followed: a 3xx could lead anywhere.
- **Timeouts**: the socket waits at most ``timeout`` to connect and for each part of the reply, and the
  body is read for at most ``timeout`` after its headers; a reply is read up to ``max_bytes`` (the rest is
  cut and the reply marked truncated).
- **The shared circuit breaker** (``mabos.resilience.breakers``), one per host and port
  (``action-http:hooks.example.com:443``), its state in Redis for every worker: timeouts, connection errors
  and 5xx replies count as failures; a host that keeps failing is not called for a while (``breaker_open``,
  retried later like any retryable error), so a dead third party does not hold a worker per request.

Failures are raised as ``RetryableError`` (``timeout``, ``connection_error``, ``http_status`` for 5xx,
``breaker_open``) or ``PermanentError`` (``bad_reply``: not HTTP at all); any other status is a ``Reply``
for the action to judge (4xx, 429).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pybreaker

from agents.reasoning.actions.policy import knob
from agents.reasoning.actions.registry import ActionFailed, PermanentError, RetryableError
from mabos.resilience.breakers import breaker

BREAKER_PREFIX = "action-http"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK = 8192


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    truncated: bool

    def excerpt(self, limit: int = 200) -> str:
        text = self.body[:limit].decode("utf-8", errors="replace")
        return text + ("…" if len(self.body) > limit or self.truncated else "")


def host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)


def host_allowed(url: str, allowed: list[str]) -> bool:
    """Whether ``url``'s host (and port) is in ``allowed``: ``host``, ``host:port``, ``*.domain``."""
    host, port = host_and_port(url)
    if not host:
        return False
    for entry in allowed:
        entry = entry.strip().lower()
        if entry.startswith("["):  # [::1]:8080
            name, _, rest = entry[1:].partition("]")
            entry_port = rest[1:] if rest.startswith(":") else ""
        else:
            name, _, entry_port = entry.partition(":")
        if entry_port and (not entry_port.isdigit() or int(entry_port) != port):
            continue
        if name.startswith("*.") and host.endswith(name[1:]) and host != name[2:]:
            return True
        if host == name:
            return True
    return False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx comes back as it is; nothing is sent to a host nobody allowed


_opener = urllib.request.build_opener(_NoRedirects)


def _read(response: Any, *, timeout: float, max_bytes: int) -> tuple[bytes, bool]:
    """At most ``max_bytes`` of the body, within ``timeout`` seconds (a trickling server is cut off)."""
    deadline = time.monotonic() + timeout
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RetryableError("timeout", f"the reply took more than {timeout:g}s to read")
        if sock is not None:
            with contextlib.suppress(OSError):  # closed once the whole body is read: the read gives b""
                sock.settimeout(remaining)
        chunk = response.read(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    return body[:max_bytes], len(body) > max_bytes


def _send(request: urllib.request.Request, *, timeout: float, max_bytes: int) -> Reply | ActionFailed:
    """The guarded call: raises only what should count against the host (its breaker), returns the rest."""
    try:
        response = _opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:  # a reply with a status >= 300 (we never follow redirects)
        response = exc
    except TimeoutError as exc:
        raise RetryableError("timeout", f"no reply within {timeout:g}s") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise RetryableError("timeout", f"no connection within {timeout:g}s") from exc
        raise RetryableError("connection_error", f"cannot connect: {exc.reason}") from exc
    except http.client.RemoteDisconnected as exc:
        raise RetryableError("connection_error", "the server closed the connection without a reply") from exc
    except http.client.HTTPException as exc:  # a status line that is no HTTP: the host answers, with garbage
        return PermanentError("bad_reply", f"not an HTTP reply: {type(exc).__name__}")
    except OSError as exc:
        raise RetryableError("connection_error", f"cannot connect: {exc}") from exc
    try:
        with response:
            body, truncated = _read(response, timeout=timeout, max_bytes=max_bytes)
            status = getattr(response, "status", None) or response.code
            reply = Reply(status=status, content_type=response.headers.get("Content-Type", "") or "",
                          body=body, truncated=truncated)
    except TimeoutError as exc:
        raise RetryableError("timeout", f"the reply took more than {timeout:g}s to read") from exc
    except (http.client.HTTPException, OSError) as exc:
        raise RetryableError("connection_error", f"the reply broke off: {type(exc).__name__}") from exc
    if reply.status >= 500:
        raise RetryableError("http_status", f"HTTP {reply.status}: {reply.excerpt()}")
    return reply


def post_json(url: str, payload: Any, *, headers: dict[str, str], timeout: float, max_bytes: int) -> Reply:
    """POST ``payload`` as JSON to ``url`` through its host's breaker; see the module for what is raised."""
    if urlsplit(url).scheme not in _DEFAULT_PORTS:
        raise PermanentError("bad_args", f"{url!r} is no http:// or https:// URL.")
    host, port = host_and_port(url)
    guard = breaker(f"{BREAKER_PREFIX}:{host}:{port}", fail_max=int(knob("BREAKER_FAIL_MAX")),
                    reset_timeout=float(knob("BREAKER_RESET_SECONDS")))
    data = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={  # noqa: S310 (http(s), checked above)
        "Content-Type": "application/json", "Accept": "application/json", "User-Agent": "MABOS-actions/1",
        **headers})
    try:
        outcome = guard.call(_send, request, timeout=timeout, max_bytes=max_bytes)
    except pybreaker.CircuitBreakerError as exc:
        cause = exc.__context__
        if isinstance(cause, ActionFailed):  # the failure that opened it: say what it was
            raise RetryableError(cause.code, f"{cause.message}; the breaker for {host}:{port} is now open") from exc
        raise RetryableError("breaker_open", f"{host}:{port} failed repeatedly; its circuit breaker is open") \
            from exc
    if isinstance(outcome, ActionFailed):
        raise outcome
    return outcome
