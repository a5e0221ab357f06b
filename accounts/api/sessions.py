"""/api/v1/auth/sessions/: my sessions: list, revoke one, revoke all but this one."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import RevokeAllOutput, SessionOutput
from accounts.selectors import session_current, session_get, session_list
from accounts.services.sessions import session_revoke, sessions_revoke_all
from mabos.api.pagination import PAGE_PARAMETERS, PageNumberPagination, page_schema


class SessionListApi(APIView):
    """My active sessions: API logins (refresh-token families) and admin web sessions."""

    @extend_schema(responses={200: page_schema(SessionOutput, "PaginatedSessionOutputList")},
                   parameters=PAGE_PARAMETERS, tags=["auth"])
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(session_list(user=request.user), request, view=self)
        current = session_current(request)
        context = {"current_session_id": current.id if current else None}
        return paginator.get_paginated_response(SessionOutput(page, many=True, context=context).data)


class SessionDetailApi(APIView):
    @extend_schema(responses={204: None}, tags=["auth"])
    def delete(self, request: Request, pk: UUID) -> Response:
        """Revoke one of my sessions (audited). Someone else's session is a 404."""
        session = session_get(user=request.user, pk=pk)
        session_revoke(session=session, by=request.user, reason="revoked by its owner")
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionRevokeAllApi(APIView):
    @extend_schema(request=None, responses={200: RevokeAllOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        """Revoke every session of mine except the one making this request."""
        revoked = sessions_revoke_all(user=request.user, by=request.user, keep=session_current(request),
                                      reason="revoke-all by its owner")
        return Response(RevokeAllOutput({"revoked": revoked}).data)
