"""Liveness and readiness endpoints for load balancers and orchestrators."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mabos.health.registry import run_health_checks


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers: no dependency is touched, so this is always fast."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """503 naming the failing checks when a critical dependency is down."""
    results = run_health_checks()
    failing = [r.name for r in results if not r.ok and r.critical]
    degraded = [r.name for r in results if not r.ok and not r.critical]
    status = "fail" if failing else ("degraded" if degraded else "ok")
    body = {
        "status": status,
        "failing": failing + degraded,
        "checks": {r.name: r.as_dict() for r in results},
    }
    return JsonResponse(body, status=503 if failing else 200)
