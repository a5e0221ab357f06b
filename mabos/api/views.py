"""The API root of each version."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootOutput(serializers.Serializer):
    version = serializers.CharField()
    health = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()


class ApiRootV1(APIView):
    """What this version of the API offers; grows as capabilities land."""

    @extend_schema(responses={200: ApiRootOutput}, tags=["meta"])
    def get(self, request: Request) -> Response:
        return Response(ApiRootOutput({
            "version": "v1",
            "health": request.build_absolute_uri(reverse("health-ready")),
            "schema": request.build_absolute_uri(reverse("api-schema")),
            "docs": request.build_absolute_uri(reverse("api-docs")),
        }).data)
