"""/api/v1/permissions/: administrators grant and revoke object permissions (audited).

The views of that resource; the DRF permission classes the API checks are in mabos/api/permissions.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.object_permissions import policy_by_label
from accounts.services.permissions import grants_for_object, permission_grant, permission_revoke
from mabos.api.permissions import IsAdministrator
from mabos.api.serializers import InputSerializer
from mabos.errors import InvalidInput


class GrantInput(InputSerializer):
    object_type = serializers.CharField(max_length=100, help_text='An app label and model, e.g. "agents.agent".')
    object_id = serializers.CharField(max_length=64)
    permission = serializers.CharField(max_length=32, help_text="view, change, delete or operate.")
    user = serializers.CharField(max_length=150, required=False, help_text="A username.")
    group = serializers.CharField(max_length=150, required=False, help_text="A group (role) name.")


class GrantOutput(serializers.Serializer):
    holder_type = serializers.ChoiceField(choices=["user", "group"])
    holder = serializers.CharField()
    permission = serializers.CharField()


class GrantListOutput(serializers.Serializer):
    """The direct grants on one object: all of them (an object has few), so no pages."""

    count = serializers.IntegerField()
    results = GrantOutput(many=True)


def _resolve(data: dict[str, Any]) -> dict[str, Any]:
    """Turn names into objects; anything that does not exist is a 400 naming its field."""
    policy = policy_by_label(data["object_type"])
    if policy is None:
        raise InvalidInput(fields={"object_type": ["Unknown type, or it carries no object permissions."]})
    try:
        obj = policy.model._default_manager.get(pk=data["object_id"])
    except (policy.model.DoesNotExist, ValueError, DjangoValidationError):
        raise InvalidInput(fields={"object_id": ["No such object."]}) from None
    resolved: dict[str, Any] = {"obj": obj, "action": data["permission"]}
    if "user" in data:
        resolved["user"] = User.objects.filter(username=data["user"]).first()
        if resolved["user"] is None:
            raise InvalidInput(fields={"user": ["No such user."]})
    if "group" in data:
        resolved["group"] = Group.objects.filter(name=data["group"]).first()
        if resolved["group"] is None:
            raise InvalidInput(fields={"group": ["No such group."]})
    return resolved


class PermissionListGrantApi(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(parameters=[OpenApiParameter("object_type", str, required=True),
                               OpenApiParameter("object_id", str, required=True)],
                   responses={200: GrantListOutput}, tags=["permissions"])
    def get(self, request: Request) -> Response:
        """The direct grants on one object."""
        missing = {name: ["This query parameter is required."] for name in ("object_type", "object_id")
                   if not request.query_params.get(name)}
        if missing:
            raise InvalidInput(fields=missing)
        resolved = _resolve({"object_type": request.query_params["object_type"],
                             "object_id": request.query_params["object_id"], "permission": ""})
        grants = grants_for_object(resolved["obj"])
        return Response(GrantListOutput({"count": len(grants), "results": grants}).data)

    @extend_schema(request=GrantInput, responses={201: GrantOutput, 200: GrantOutput}, tags=["permissions"])
    def post(self, request: Request) -> Response:
        """Grant a user or a group a permission on one object (201; 200 when it was already held)."""
        data = GrantInput.parse(request.data)
        created = permission_grant(by=request.user, **_resolve(data))
        holder_type = "user" if "user" in data else "group"
        body = {"holder_type": holder_type, "holder": data[holder_type], "permission": data["permission"]}
        return Response(GrantOutput(body).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PermissionRevokeApi(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(request=GrantInput, responses={204: None}, tags=["permissions"])
    def post(self, request: Request) -> Response:
        """Revoke a direct grant (404 when there is no such grant)."""
        permission_revoke(by=request.user, **_resolve(GrantInput.parse(request.data)))
        return Response(status=status.HTTP_204_NO_CONTENT)
