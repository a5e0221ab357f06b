"""The read-only audit trail API, for auditors and administrators."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated

from auditlog.api.serializers import AuditEventFilterSerializer, AuditEventOutputSerializer
from auditlog.selectors import audit_event_list, can_read_audit


class CanReadAudit(BasePermission):
    """403 for an authenticated user outside the auditor and administrator roles."""

    message = "Only auditors and administrators may read the audit log."

    def has_permission(self, request, view) -> bool:
        return can_read_audit(request.user)


class AuditEventCursorPagination(CursorPagination):
    """Newest first by chain position: stable under concurrent appends, no COUNT(*) on a huge table."""

    ordering = "-seq"
    page_size = 50
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # the API-wide ceiling, read at request time
        return getattr(settings, "API_MAX_PAGE_SIZE", 200)


class AuditEventListApi(ListAPIView):
    """GET /api/v1/audit/events/?actor_type=&actor_id=&action=&target_type=&target_id=&since=&until="""

    permission_classes = [IsAuthenticated, CanReadAudit]
    serializer_class = AuditEventOutputSerializer
    pagination_class = AuditEventCursorPagination

    @extend_schema(parameters=[AuditEventFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = AuditEventFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return audit_event_list(user=self.request.user, **params.validated_data)
