"""The API root of each version."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootV1(APIView):
    """What this version of the API offers; grows as capabilities land."""

    def get(self, request: Request) -> Response:
        return Response({
            "version": "v1",
            "health": request.build_absolute_uri(reverse("health-ready")),
        })
