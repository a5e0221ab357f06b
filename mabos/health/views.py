"""Liveness and readiness endpoints for load balancers, orchestrators and operators.

Readiness detail (which dependency, its latency, its last error) helps an
attacker as much as an operator, so only authenticated staff or a caller
presenting ``HEALTH_TOKEN`` in the ``X-Health-Token`` header see it. Everyone
else gets the status code and one word, which is all a load balancer needs.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mabos.health.registry import overall_status, run_health_checks

HEALTH_TOKEN_HEADER = "HTTP_X_HEALTH_TOKEN"  # noqa: S105 (a header name, not a secret)


def may_see_detail(request: HttpRequest) -> bool:
    """Staff signed in to the admin, or the configured token (compared in constant time)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff and user.is_active:
        return True
    token = getattr(settings, "HEALTH_TOKEN", None)
    offered = request.META.get(HEALTH_TOKEN_HEADER, "")
    return bool(token) and bool(offered) and hmac.compare_digest(offered.encode(), token.encode())


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers: no dependency is touched, so this is always fast."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """503 when a critical component fails, 200 "degraded" when only a non-critical one does."""
    results = run_health_checks()
    status, failing, degraded = overall_status(results)
    code = 503 if failing else 200
    if not may_see_detail(request):
        return JsonResponse({"status": status}, status=code)
    body = {
        "status": status,
        "failing": failing + degraded,
        "checks": {r.name: r.as_dict() for r in results},
    }
    return JsonResponse(body, status=code)
