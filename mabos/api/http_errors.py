"""Django-level error views (handler400/403/404/500): JSON under /api/, Django's pages elsewhere.

They catch what never reaches a DRF view: an unknown URL or API version, a CSRF
failure, an oversized body refused by Django, a crash in middleware.

Django does not call them when DEBUG is on: it answers its HTML debug pages
instead (the yellow 404 listing every URL pattern). ``JsonErrorsMiddleware``
turns those into the same JSON under /api/, so a client in development reads
the errors it will read in production.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

from mabos.api.exceptions import error_body


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception, **kwargs) -> HttpResponse:
    if _wants_json(request):
        from django.core.exceptions import RequestDataTooBig

        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(error_body("request_too_large", "The request body is too large."), status=413)
        return JsonResponse(error_body("bad_request", "The request was refused."), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception, **kwargs) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("permission_denied", "You do not have permission to perform this action."),
                            status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception, **kwargs) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest, **kwargs) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("server_error", "Internal server error."), status=500)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("csrf_failed", f"CSRF check failed: {reason}"), status=403)
    return django_csrf_failure(request, reason=reason)


#: A status a Django page (not a DRF view) can answer under /api/, and the error it is.
_PAGE_ERRORS = {
    400: ("bad_request", "The request was refused."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    413: ("request_too_large", "The request body is too large."),
    500: ("server_error", "Internal server error."),
}


class JsonErrorsMiddleware:
    """Under /api/, an error answered as an HTML page (Django's debug 404 or 500 with DEBUG on) becomes the
    JSON error body. DRF's own answers are left alone: they are already negotiated (JSON, or the browsable
    API's HTML for a staff member's browser)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not _wants_json(request) or hasattr(response, "accepted_renderer"):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        code, detail = _PAGE_ERRORS.get(response.status_code, ("error", "The request could not be completed."))
        return JsonResponse(error_body(code, detail), status=response.status_code)
