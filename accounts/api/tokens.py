"""/api/v1/auth/token/, token/refresh/ and logout/: a token pair obtained, rotated and ended.

Thin: services do the work.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import RefreshInput, TokenObtainInput, TokenPairOutput
from accounts.services.auth import credentials_check, token_logout, token_refresh
from accounts.services.sessions import session_start_api
from mabos.api.throttling import AuthRateThrottle

_ERRORS = {400: OpenApiResponse(description="Invalid input: {code, detail, fields}"),
           401: OpenApiResponse(description="Refused: {code, detail}"),
           429: OpenApiResponse(description="Throttled or locked out; see Retry-After")}


class _NeverStored:
    """Answers that carry tokens (or refuse them): no browser or proxy may keep a copy (RFC 6749 5.1).

    ``finalize_response`` sees every answer of the view, refusals and throttling included.
    """

    def finalize_response(self, request: Request, response: Response, *args, **kwargs) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)  # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
        return response


def _pair(refresh, session_id) -> dict:
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    return {"access": str(refresh.access_token), "refresh": str(refresh),
            "access_expires_in": int(lifetime.total_seconds()), "session_id": session_id}


class TokenObtainApi(_NeverStored, APIView):
    """Exchange a username and password for an access + refresh token pair (a new session)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    @extend_schema(request=TokenObtainInput, responses={200: TokenPairOutput, **_ERRORS}, auth=[],
                   tags=["auth"])
    def post(self, request: Request) -> Response:
        data = TokenObtainInput.parse(request.data)
        user = credentials_check(request=request._request, **data)
        session, refresh = session_start_api(user=user, request=request._request)
        return Response(TokenPairOutput(_pair(refresh, session.id)).data)


class TokenRefreshApi(_NeverStored, APIView):
    """Trade a refresh token for a new pair. The used refresh token is blacklisted (rotation)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    @extend_schema(request=RefreshInput, responses={200: TokenPairOutput, **_ERRORS}, auth=[], tags=["auth"])
    def post(self, request: Request) -> Response:
        data = RefreshInput.parse(request.data)
        refresh, _access = token_refresh(raw_refresh=data["refresh"])
        return Response(TokenPairOutput(_pair(refresh, refresh["sid"])).data)


class LogoutApi(APIView):
    """End this session: the refresh token is blacklisted and the access token stops working at once."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [AuthRateThrottle]

    @extend_schema(request=RefreshInput, responses={204: None, **_ERRORS}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = RefreshInput.parse(request.data)
        token_logout(user=request.user, access=request.auth if hasattr(request.auth, "get") else None,
                     raw_refresh=data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)
