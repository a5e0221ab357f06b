"""What the agents API views share: list plumbing, references in input, the version a client read."""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from agents.common.errors import invalid

#: Extra field arguments of a free-form JSON object in an input serializer.
JSON_OBJECT = {"help_text": "A JSON object."}


class ListApiSchema(AutoSchema):
    """GET on a ListApi is a list: paginated, filterable, and named ``*_list`` in the schema."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return self.method == "GET" or super()._is_list_view(serializer)


class ListApi(GenericAPIView):
    """A paginated, filterable, searchable, orderable list of a selector's queryset."""

    schema = ListApiSchema()
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    search_fields = ["name"]
    output_serializer: type = None  # type: ignore[assignment]

    def get_serializer_class(self) -> type:
        return self.output_serializer

    def list_response(self) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.output_serializer(page, many=True).data)




def expected_version(request: Request, data: dict[str, Any]) -> int:
    """The version the client read: ``version`` in the body or an ``If-Match`` header."""
    if "version" in data:
        return data.pop("version")
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if header.isdigit():
        return int(header)
    raise invalid("version", "Send the version you read (in the body or as If-Match) so a concurrent change "
                             "is not overwritten.")
