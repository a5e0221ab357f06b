"""The API root of each version."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

#: What the root lists, in the order a newcomer needs them: name -> URL name.
RESOURCES = {
    "organizations": "organization-list", "agents": "agent-list", "groups": "group-list", "roles": "role-list",
    "messages": "message-list", "dead_letters": "dead-letter-list", "protocols": "protocols",
    "approvals": "approvals", "plans": "plan-list", "selection_policies": "selection-policies",
    "supervision_policies": "supervision-policies", "supervision_events": "supervision-events",
    "audit_events": "audit-event-list", "settings": "runtime-setting-list", "permissions": "permissions",
    "me": "auth-me", "sessions": "auth-sessions", "token": "auth-token",
}


class ApiRootOutput(serializers.Serializer):
    version = serializers.CharField()
    resources = serializers.DictField(child=serializers.URLField(),
                                      help_text="Every top-level resource of this version, by name: follow them.")
    health = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()


class ApiRootV1(APIView):
    """What this version of the API offers: its resources (each a link to follow), health, schema and docs."""

    @extend_schema(responses={200: ApiRootOutput}, tags=["meta"])
    def get(self, request: Request) -> Response:
        return Response(ApiRootOutput({
            "version": "v1",
            "resources": {name: request.build_absolute_uri(reverse(url_name)) for name, url_name in RESOURCES.items()},
            "health": request.build_absolute_uri(reverse("health-ready")),
            "schema": request.build_absolute_uri(reverse("api-schema")),
            "docs": request.build_absolute_uri(reverse("api-docs")),
        }).data)
