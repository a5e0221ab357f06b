"""Page-number pagination with a hard ceiling, so no client can ask for the whole table."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import pagination, serializers


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # read at request time, so tests can override it
        return settings.API_MAX_PAGE_SIZE


def page_schema(serializer_class: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """The OpenAPI shape of one page of ``serializer_class``, for views that paginate by hand (not a ListApi)."""
    return inline_serializer(name=name, fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": serializer_class(many=True),
    })


PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="A page number within the paginated result set."),
    OpenApiParameter("page_size", int, description="Results per page (at most API_MAX_PAGE_SIZE)."),
]
