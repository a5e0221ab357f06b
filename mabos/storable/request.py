"""Query strings and paths carrying text PostgreSQL cannot use are refused before any view runs.

A NUL (``%00``) in a filter, a search term or an admin changelist's ``?q=``
would otherwise reach a query and come back as a 500 ("PostgreSQL text fields
cannot contain NUL bytes"). One middleware covers every list, the API's and the
admin's, including parameters a view does not know: a 400 naming the parameter
(JSON under ``/api/``, Django's page elsewhere). A NUL in the path cannot name
any resource, so it is a 404. The rule is ``mabos.storable.checks.text_problem``, the
same one JSON bodies and form fields are held to.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from mabos.api import http_errors
from mabos.api.exceptions import error_body
from mabos.storable.checks import text_problem


def query_problems(request: HttpRequest) -> dict[str, list[str]]:
    """Each query parameter (by name) whose name or value PostgreSQL could not use, with why."""
    problems: dict[str, list[str]] = {}
    for name, values in request.GET.lists():
        problem = text_problem(name) or next((p for p in map(text_problem, values) if p), None)
        if problem:
            problems[name] = [problem]
    return problems


class StorableRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if text_problem(request.path_info):
            return http_errors.page_not_found(request, Http404())
        problems = query_problems(request)
        if problems:
            if request.path.startswith("/api/"):
                detail = f"Invalid query parameter: {', '.join(map(repr, problems))}."
                return JsonResponse(error_body("invalid", detail, problems), status=400)
            return http_errors.bad_request(request, ValueError("unstorable query parameter"))
        return self.get_response(request)
