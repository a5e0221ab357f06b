"""Lockouts (django-axes): how long is left, and the response a locked-out client gets.

The API answers 429 with a JSON ``code`` and ``Retry-After``; the admin shows a
page. The failure that reaches the limit is still reported as a failure (401):
it is the next attempt that meets the lock, so "5 failures, then locked" reads
the same from outside as it does in the settings.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from mabos.api.exceptions import error_body
from mabos.request_context import client_ip

LOCKOUT_DETAIL = "Too many failed login attempts. Try again later."


def lockout_retry_after(request: HttpRequest, username: str | None) -> int:
    """Seconds until the lock on this username + IP lifts (the full cool-off if unknown)."""
    from axes.models import AccessAttempt

    cool_off = settings.AXES_COOLOFF_TIME
    last = AccessAttempt.objects.filter(username=username or "", ip_address=client_ip(request)) \
        .aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return int(cool_off.total_seconds())
    return max(1, int((last + cool_off - timezone.now()).total_seconds()))


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: JSON 429 under /api/, the lockout page elsewhere."""
    username = (credentials or {}).get("username") or ""
    if request.path.startswith("/api/"):
        if original_response is not None and original_response.status_code in (401, 429):
            return original_response  # the view already answered precisely
        retry = lockout_retry_after(request, username)
        response = JsonResponse(error_body("locked_out", LOCKOUT_DETAIL), status=429)
        response["Retry-After"] = str(retry)
        return response
    retry = lockout_retry_after(request, username)
    response = render(request, "accounts/lockout.html",
                      {"retry_minutes": max(1, (retry + 59) // 60), "username": username}, status=429)
    response["Retry-After"] = str(retry)
    return response
