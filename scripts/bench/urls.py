"""config.urls plus /bench/echo/: parses the JSON body and returns it (no auth, no database, no throttle)."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as mabos_urlpatterns


class EchoApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    def post(self, request):
        return Response(request.data, status=201)


urlpatterns = [path("bench/echo/", EchoApi.as_view()), *mabos_urlpatterns]
