"""Unknown query parameters are refused, as unknown body fields are (``mabos.api.serializers``).

``GET agents/?stauts=paused`` used to answer every agent: the typo was ignored
and the client never learnt. Now it is a 400 ``invalid`` naming ``stauts``.
What counts as known is what the OpenAPI schema documents for that operation
(filters, search, ordering, pagination, each view's own query serializer), so
the documentation and the check cannot disagree: a parameter a view honours
but the schema does not list is refused, which a test would notice at once.
``format`` (DRF's renderer override, used by the browsable API) is always allowed.

The table is the schema indexed once per process (``mabos.api.operations``, a
few hundred milliseconds): gunicorn builds it when a worker starts
(``post_worker_init`` in config/gunicorn.py), so no request waits for it;
elsewhere (runserver, tests) the first request that needs it does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from mabos.api.exceptions import error_body
from mabos.api.operations import operation

ALWAYS = frozenset({"format"})


def documented(method: str, path: str) -> frozenset[str] | None:
    """The query parameters the schema documents for ``method path``; None when it documents no such operation."""
    found = operation(method, path)
    return None if found is None else found.query


class UnknownQueryParamsMiddleware:
    """A request to a documented API operation with a query parameter it does not document: 400 naming it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        if not request.GET or not request.path.startswith("/api/v"):
            return None
        known = documented(request.method or "GET", request.path)
        if known is None:
            return None
        unknown = sorted(set(request.GET) - known - ALWAYS)
        if not unknown:
            return None
        listed = ", ".join(sorted(known)) or "none"
        detail = f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. " \
                 f"This operation takes: {listed}."
        return JsonResponse(error_body("invalid", detail, {name: ["Unknown query parameter."] for name in unknown}),
                            status=400)
