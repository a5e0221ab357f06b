"""The one exception handler: every API error is ``{code, detail, fields?}``, never a traceback.

Domain errors (``mabos.errors``) are mapped to status codes here and nowhere
else. Anything unexpected is logged with its traceback and answered with a
plain 500 body.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from mabos import errors

logger = logging.getLogger("mabos.api")

#: Domain error class -> HTTP status. The first matching class (in MRO order) wins.
STATUS_OF: dict[type[errors.DomainError], int] = {
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.PermissionDenied: status.HTTP_403_FORBIDDEN,
    errors.InvalidInput: status.HTTP_400_BAD_REQUEST,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.AuthenticationError: status.HTTP_401_UNAUTHORIZED,
    errors.LockedOut: status.HTTP_429_TOO_MANY_REQUESTS,
    errors.DomainError: status.HTTP_400_BAD_REQUEST,
}

#: Stable codes for DRF's own exceptions where its default code is vague.
_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}


def error_body(code: str, detail: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "detail": str(detail)}
    if fields:
        body["fields"] = fields
    return body


def _flatten(detail: Any) -> Any:
    """ErrorDetail trees become plain lists/dicts of strings."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _drf_code(exc: exceptions.APIException) -> str:
    if isinstance(exc.detail, dict) and isinstance(exc.detail.get("code"), str):
        return str(exc.detail["code"])  # simplejwt's {"detail": ..., "code": ...}
    codes = exc.get_codes()
    if isinstance(codes, str) and codes not in ("error", "invalid") and not isinstance(exc, exceptions.Throttled):
        # A specific code chosen by the raiser (e.g. token_expired) beats the generic one.
        return codes
    for cls in type(exc).__mro__:
        if cls in _DRF_CODES:
            return _DRF_CODES[cls]
    return exc.default_code


def _validation_response(exc: exceptions.ValidationError) -> Response:
    detail = _flatten(exc.detail)
    if isinstance(detail, dict):
        non_field = detail.pop("non_field_errors", None)
        message = non_field[0] if non_field else "Invalid input."
        return Response(error_body("invalid", message, detail or None), status=400)
    message = detail[0] if isinstance(detail, list) and detail else str(detail)
    return Response(error_body("invalid", message), status=400)


def _headers_of(exc: exceptions.APIException) -> dict[str, str]:
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, int(exc.wait)))
    return headers


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER. Always returns a response: DRF never re-raises into a 500 page."""
    from rest_framework.views import set_rollback  # rest_framework.views imports our auth classes

    set_rollback()
    if isinstance(exc, errors.DomainError):
        return domain_error_response(exc)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "Not found."), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(error_body("permission_denied", "You do not have permission to perform this action."),
                        status=403)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("request_too_large", "The request body is too large."), status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response(error_body("bad_request", "The request was refused."), status=400)
    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc)
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is down or restarting: a retryable 503, not a 500 with a traceback.
        logger.warning("database unavailable in %s: %s", type(context.get("view")).__name__, exc)
        return Response(error_body("database_unavailable", "The database is unavailable; retry shortly."),
                        status=503, headers={"Retry-After": "1"})
    if isinstance(exc, exceptions.APIException):
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):  # e.g. simplejwt's {"detail": ..., "messages": [...]}
            message = detail.get("detail", "Request refused.")
        elif isinstance(detail, list):
            message = detail[0] if detail else "Request refused."
        else:
            message = detail
        response = Response(error_body(_drf_code(exc), message), status=exc.status_code, headers=_headers_of(exc))
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed) \
                and response.status_code == 403:
            response.status_code = 401  # no authenticator with a header: still a 401, not a 403
        return response
    view = context.get("view")
    logger.exception("Unhandled error in %s", type(view).__name__ if view else "API view")
    return Response(error_body("server_error", "Internal server error."), status=500)


def domain_error_response(exc: errors.DomainError) -> Response:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            code = STATUS_OF[cls]
            break
    headers = {}
    if isinstance(exc, errors.LockedOut):
        headers["Retry-After"] = str(exc.retry_after)
    fields = getattr(exc, "fields", None)
    return Response(error_body(exc.code, exc.detail, fields), status=code, headers=headers)
