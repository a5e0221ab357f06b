"""/api/v1/auth/me/: who am I."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MeOutput


class MeApi(APIView):
    """Who am I: the authenticated user and their roles."""

    @extend_schema(responses={200: MeOutput}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(MeOutput(request.user).data)
