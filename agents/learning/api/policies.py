"""selection-policies/: how each organization chooses among applicable plans (docs/learning.md).

Reading: the policies of organizations the caller may view. Writing (create, change, delete): what changing
the organization's plans and supervisor policies takes, ``change`` on the organization (403 if the caller can
see it, 404 if not). An organization named in the body that the caller cannot see is a 400 naming it. Every
rule of a policy is the service's: a 400 naming the field, nothing written. PATCH needs the version read (in
the body or as If-Match): a change since is a 409 ``stale_version``. People only: an agent key gets 401.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.common.access import require
from agents.common.api import ListApi, expected_version
from agents.common.selectors import resolve
from agents.learning.api.filters import SelectionPolicyFilter
from agents.learning.api.serializers import (
    SelectionPolicyCreateInput,
    SelectionPolicyOutput,
    SelectionPolicyUpdateInput,
)
from agents.learning.models import SelectionPolicy
from agents.learning.selectors import selection_policy_get, selection_policy_list
from agents.learning.services.policies import (
    selection_policy_create,
    selection_policy_delete,
    selection_policy_update,
)
from agents.organization.selectors import organization_get


def _headers(policy: SelectionPolicy) -> dict[str, str]:
    return {"ETag": f'"{policy.version}"'}


class SelectionPolicyListApi(ListApi):
    output_serializer = SelectionPolicyOutput
    filterset_class = SelectionPolicyFilter
    search_fields: list[str] = []
    ordering_fields = ["created_at", "updated_at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return SelectionPolicy.objects.none()
        return selection_policy_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """Selection policies of the organizations you may view (``?organization=``, ``?trigger_kind=``)."""
        return self.list_response()

    @extend_schema(request=SelectionPolicyCreateInput, responses={201: SelectionPolicyOutput})
    def post(self, request: Request) -> Response:
        """Give an organization its default selection policy (no trigger) or one for a plan trigger."""
        data = SelectionPolicyCreateInput.parse(request.data)
        org_id = data.pop("organization")
        org = resolve("organization", lambda: organization_get(user=request.user, pk=org_id))
        require(request.user, "change", org)
        policy = selection_policy_create(organization=org, by=actor_of(request.user), **data)
        policy = selection_policy_get(user=request.user, pk=policy.pk)
        return Response(SelectionPolicyOutput(policy).data, status=status.HTTP_201_CREATED, headers=_headers(policy))


class SelectionPolicyDetailApi(APIView):
    @extend_schema(responses={200: SelectionPolicyOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One selection policy: its organization, trigger, policy and `version`."""
        policy = selection_policy_get(user=request.user, pk=pk)
        return Response(SelectionPolicyOutput(policy).data, headers=_headers(policy))

    @extend_schema(request=SelectionPolicyUpdateInput, responses={200: SelectionPolicyOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        """Change the policy or its shared weight (the trigger stays). Send the ``version`` you read: if
        someone changed it since, 409. The cycle applies it from its next batch."""
        policy = selection_policy_get(user=request.user, pk=pk)
        require(request.user, "change", policy.organization)
        data = SelectionPolicyUpdateInput.parse(request.data)
        version = expected_version(request, data)
        selection_policy_update(policy=policy, by=actor_of(request.user), expected_version=version, changes=data)
        policy = selection_policy_get(user=request.user, pk=pk)
        return Response(SelectionPolicyOutput(policy).data, headers=_headers(policy))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        """Delete a policy: its trigger falls back to the organization's default, the default to the setting."""
        policy = selection_policy_get(user=request.user, pk=pk)
        require(request.user, "change", policy.organization)
        selection_policy_delete(policy=policy, by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
