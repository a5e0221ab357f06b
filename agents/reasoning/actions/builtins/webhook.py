"""``http.post``: JSON to a URL whose host is allow-listed (``ACTIONS_HTTP_ALLOWED_HOSTS``), a webhook.

The request's id goes as the ``Idempotency-Key`` header, the same on every run of the request, so a
receiver that honours it acts once although MABOS may post twice (at least once). Timeouts, the per-host
circuit breaker and the size cap are the transport's (transport.py). The reply decides:

| reply | outcome |
|---|---|
| 2xx | the result ``{"status", "body", "truncated"}``: ``body`` is JSON when the reply says JSON, else text |
| 2xx that says JSON and is none | ``bad_reply``, permanent |
| 408, 429, 5xx, timeout, connection error, open breaker | retried with back-off, up to ``ACTIONS_MAX_ATTEMPTS`` |
| other 3xx and 4xx | ``http_status``, permanent (redirects are not followed) |
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from agents.reasoning.actions.policy import knob
from agents.reasoning.actions.registry import ActionContext, PermanentError, RetryableError, action
from agents.reasoning.actions.replies import reply_body
from agents.reasoning.actions.transport import host_allowed, host_and_port, post_json

#: Headers MABOS sets itself; a plan may not set them.
RESERVED = frozenset({"host", "content-length", "content-type", "idempotency-key", "transfer-encoding",
                      "connection", "expect", "upgrade"})
RETRY_STATUSES = frozenset({408, 429})

SCHEMA = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "format": "uri", "maxLength": 2000,
                "description": "http:// or https://, on a host of ACTIONS_HTTP_ALLOWED_HOSTS."},
        "body": {"description": "Any JSON value: the request's body (default null)."},
        "headers": {"type": "object", "maxProperties": 20,
                    "propertyNames": {"pattern": r"^[A-Za-z0-9-]{1,64}$",
                                      "x-message": "A header name: letters, digits and -."},
                    "additionalProperties": {"type": "string", "maxLength": 1000, "pattern": r"^[^\r\n]*$",
                                             "x-message": "A header value is one line."},
                    "description": "Extra headers (not Host, Content-Type, Idempotency-Key ...)."},
    },
    "required": ["url"],
    "additionalProperties": False,
}


@action("http.post", schema=SCHEMA, description="POST JSON to an allow-listed URL (a webhook).")
def http_post(args: dict[str, Any], context: ActionContext) -> dict[str, Any]:
    url = args["url"]
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise PermanentError("bad_args", "args.url: a URL with credentials is refused; send them as a header.")
    for name in args.get("headers") or {}:
        if name.lower() in RESERVED:
            raise PermanentError("bad_args", f"args.headers.{name}: MABOS sets this header itself.")
    if not host_allowed(url, list(knob("HTTP_ALLOWED_HOSTS"))):
        host, port = host_and_port(url)
        raise PermanentError("host_not_allowed", f"{host}:{port} is not in ACTIONS_HTTP_ALLOWED_HOSTS.")
    reply = post_json(url, args.get("body"),
                      headers={**(args.get("headers") or {}), "Idempotency-Key": context.idempotency_key},
                      timeout=float(knob("HTTP_TIMEOUT_SECONDS")), max_bytes=int(knob("HTTP_MAX_REPLY_BYTES")))
    if reply.status in RETRY_STATUSES:
        raise RetryableError("http_status", f"HTTP {reply.status}: {reply.excerpt()}")
    if not 200 <= reply.status < 300:
        raise PermanentError("http_status", f"HTTP {reply.status}: {reply.excerpt()}")
    body, truncated = reply_body(reply)
    return {"status": reply.status, "body": body, "truncated": truncated}
