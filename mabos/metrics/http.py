"""Count and time every HTTP request by its route pattern, and log one line per request.

The label is the *resolved route* (``api/v1/agents/<uuid:pk>/``), never the raw
path: raw paths carry ids, so every object would become its own time series
(and a scanner could create series at will). Requests that match no route
share ``<unmatched>``, and unknown methods share ``other``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mabos.metrics.definitions import HTTP_LATENCY, HTTP_REQUESTS

logger = logging.getLogger("mabos.http")

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None) if match is not None else None
    return f"/{route}" if route else UNMATCHED


class HttpMetricsMiddleware:
    """Right after the request context, so the duration covers every later middleware and the view."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            elapsed = time.perf_counter() - started
            method = request.method if request.method in KNOWN_METHODS else "other"
            route = route_of(request)
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe(elapsed)
            logger.info("%s %s %s %.1fms", method, route, status, elapsed * 1000,
                        extra={"http_method": method, "route": route, "status": status,
                               "duration_ms": round(elapsed * 1000, 1)})
