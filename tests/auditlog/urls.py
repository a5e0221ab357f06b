"""Test-only endpoints that record audit events from inside real requests (DRF and plain Django)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from auditlog.models import Action
from auditlog.services import audit_record
from auditlog.tasks import verify_chain_task
from mabos.request_context import current_request_id


class HeaderTokenAuthentication(BaseAuthentication):
    """A stand-in for JWT: authenticates inside the view, where no middleware can see it.

    The "token" is the username; enough to prove the audit log sees whoever DRF authenticated.
    """

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Token "):
            return None
        try:
            return User.objects.get(username=header.removeprefix("Token ")), None
        except User.DoesNotExist:
            raise AuthenticationFailed("unknown token") from None

    def authenticate_header(self, request) -> str:
        return "Token"


class AuditProbeApi(APIView):
    authentication_classes = [HeaderTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request):
        event = audit_record(action=Action.CONFIG_CHANGED, target_type="probe", target_id="1",
                             changes={"mode": ["a", "b"]})
        return Response({"event_id": event.pk, "request_id": current_request_id()})


@csrf_exempt
def anonymous_probe(request: HttpRequest) -> JsonResponse:
    event = audit_record(action=Action.LOGIN_FAILED, note=request.GET.get("note", ""))
    return JsonResponse({"event_id": event.pk})


def queue_verification(request: HttpRequest) -> JsonResponse:
    result = verify_chain_task.delay()
    return JsonResponse({"task_id": result.id, "request_id": current_request_id()})


urlpatterns = [
    path("probe/", AuditProbeApi.as_view()),
    path("anonymous-probe/", anonymous_probe),
    path("queue-verification/", queue_verification),
    path("", include("config.urls")),
]
