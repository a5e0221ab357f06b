"""OpenAPI: the error answers every operation can give, in the one shape they all have.

drf-spectacular documents only the success responses a view declares. A client
generated from that schema meets a 400, 401, 404 or 429 it was never told about
and, with no body schema, cannot read ``code`` or ``fields``. The exception
handler (``mabos.api.exceptions``) answers every error as ``{code, detail,
fields?}``; this hook says so on every operation, with the statuses that
operation can really answer. The API fuzz (tests/mabos/api/test_fuzz.py) fails
on any status or body the schema does not declare.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error: a stable machine-readable `code`, a human `detail` and, for invalid input, "
                   "`fields` naming each culprit (field name -> messages).",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "detail": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {}},
    },
    "required": ["code", "detail"],
}

DESCRIPTIONS = {
    400: "Invalid input (`fields` names each culprit) or a malformed request.",
    401: "Not authenticated, or the credentials were refused.",
    403: "Authenticated, but not allowed to do this (an object you may not see at all is a 404).",
    404: "No such object, or not yours to see; also an unknown page of a list.",
    409: "The change conflicts with the current state (a stale version, an illegal transition, in use).",
    413: "The request body is too large.",
    415: "The body is not JSON.",
    429: "Throttled or locked out; Retry-After says when to try again.",
    503: "A backing service (the database) is unavailable; retry after Retry-After.",
}

_EVERY_OPERATION = (400, 404, 429, 503)
_AUTHENTICATED = (401, 403)
_WRITES = (409, 413, 415)
_WRITE_METHODS = {"post", "put", "patch", "delete"}
_METHODS = {"get", "head", "options", "trace", *_WRITE_METHODS}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


def statuses_of(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses this operation can answer; unauthenticated operations (token, refresh) keep their own 401."""
    codes = list(_EVERY_OPERATION)
    if any(requirement for requirement in operation.get("security", [{}])):
        codes += _AUTHENTICATED
    if method in _WRITE_METHODS:
        codes += _WRITES
    return sorted(codes)


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the error responses (with the Error body) to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in statuses_of(method, operation):
                response = responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
                response.setdefault("content", body)
                if code in (429, 503):
                    response.setdefault("headers", _RETRY_AFTER)
            for code, response in responses.items():  # errors a view declared without a body get the Error body
                if code[0] in "45" and isinstance(response, dict):
                    response.setdefault("content", body)
    return result
