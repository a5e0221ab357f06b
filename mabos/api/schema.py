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

from django.utils.module_loading import import_string

#: Every ``code`` an error body can carry, by the status it comes with. Documented, not an enum: a client
#: generated from an enum would refuse a code added later. tests/mabos/api/test_openapi.py finds every code
#: raised in the source and fails if one is missing here.
ERROR_CODES: dict[int, dict[str, str]] = {
    400: {
        "invalid": "input breaks a rule; `fields` names each culprit",
        "parse_error": "the body is not valid JSON",
        "too_deep": "the JSON nests too deep",
        "bad_request": "the request was refused before reaching the API (e.g. a bad Host header)",
        "conversation_ambiguous": "several organizations you see use this conversation id: add `?organization=`",
        "invalid_setting": "a runtime setting override breaks the setting's rule",
    },
    401: {
        "not_authenticated": "no credentials were sent",
        "wrong_auth_scheme": "the Authorization header's scheme (or credential) is not one this endpoint takes",
        "bad_authorization_header": "`Authorization: Bearer` without exactly one token",
        "authentication_failed": "the credentials were refused",
        "token_expired": "the access or refresh token has expired",
        "token_invalid": "the token is malformed, tampered, or not for this API",
        "token_wrong_type": "a refresh token used as an access token, or the reverse",
        "token_revoked": "the token's session ended, the refresh token was reused, or the password changed",
        "user_inactive": "the user is disabled",
        "invalid_credentials": "wrong username or password",
        "agent_key_invalid": "the agent key is unknown, revoked or malformed",
    },
    403: {
        "permission_denied": "you may see the object but not do this",
        "csrf_failed": "a session-authenticated write without a valid CSRF token",
    },
    404: {"not_found": "no such object, or not yours to see"},
    405: {"method_not_allowed": "the method is not offered here"},
    406: {"not_acceptable": "no representation matches the Accept header"},
    409: {
        "conflict": "the change conflicts with the current state",
        "stale_version": "someone changed the object since you read it (`fields.version`)",
        "invalid_transition": "the agent's status does not allow this lifecycle action",
        "agent_inactive": "the agent is stopped or failed",
        "sender_inactive": "the sending agent is stopped or failed",
        "intention_not_live": "the intention has already ended",
        "approval_decided": "the approval request was already decided",
        "approval_expired": "the approval request's deadline has passed",
        "approval_closed": "the intention that asked no longer waits",
        "invalid_delivery_state": "the delivery's status does not allow this",
        "delivery_dead": "the delivery is dead-lettered",
        "delivery_expired": "the delivery's message has expired",
        "delivery_acked": "the delivery is already acked",
        "delivery_not_delivered": "the delivery has not reached the inbox yet",
        "already_revoked": "the key is already revoked",
        "builtin_role": "the built-in roles keep their names and cannot be deleted",
        "role_in_use": "agents still hold the role",
        "role_has_plans": "plans still belong to the role",
        "agent_is_escalation_target": "a supervisor policy escalates to this agent",
        "protocol_run_busy": "the protocol run is being moved by someone else",
        "not_a_simulation": "the organization is not a simulated business (or its simulation is switched off)",
        "protocol_run_closed": "the protocol run has ended",
        "protocol_run_not_deciding": "the Contract-Net run does not wait for a decision",
        "protocol_run_decided_by_plan": "the run's initiator decides it by plan",
        "protocol_reply_refused": "the reply does not fit the run's state",
    },
    413: {"request_too_large": "the body is too large"},
    415: {"unsupported_media_type": "the body is not JSON"},
    429: {"throttled": "too many requests; Retry-After says when", "locked_out": "too many failed logins"},
    500: {"server_error": "an unexpected error (logged; never a traceback)"},
    503: {"database_unavailable": "the database is unavailable; retry after Retry-After"},
}


def _codes_text() -> str:
    return "\n".join(f"- {status}: " + ", ".join(f"`{code}` ({meaning})" for code, meaning in codes.items())
                     for status, codes in ERROR_CODES.items())


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error: a stable machine-readable `code`, a human `detail` and, for invalid input, "
                   "`fields` naming each culprit (field name -> messages).",
    "properties": {
        "code": {"type": "string", "example": "invalid",
                 "description": "Stable; branch on it, not on `detail`. The codes, by status:\n" + _codes_text()},
        "detail": {"type": "string", "description": "For people: what was wrong and, where it helps, what to do."},
        "fields": {"type": "object", "additionalProperties": {},
                   "description": "For `invalid` and some conflicts: each culprit field (`messages[3].to` inside a "
                                  "batch) with its messages (a list of strings; for a list field, by index)."},
    },
    "required": ["code", "detail"],
}

_MEANINGS = {
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
DESCRIPTIONS = {status: f"{meaning} Codes: {', '.join(f'`{code}`' for code in ERROR_CODES[status])}."
                for status, meaning in _MEANINGS.items()}

#: Base classes whose docstrings explain our plumbing, not the API: drf-spectacular falls back to a class's
#: bases for a description, which put "Base of every API input ..." on every request body. Named by string:
#: mabos does not import the agents app.
DOC_BARRIERS = ("mabos.api.serializers.InputSerializer", "agents.common.api.ListApi")


def lib_doc_excludes() -> list[type]:
    """SPECTACULAR_SETTINGS["GET_LIB_DOC_EXCLUDES"]: drf-spectacular's own barriers and ours."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    return [*get_lib_doc_excludes(), *(import_string(path) for path in DOC_BARRIERS)]

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
