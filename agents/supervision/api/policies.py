"""supervision/policies/: the supervisor policies of organizations and their groups.

Reading: the policies of organizations the caller may view. Writing (create, change, delete): the right that
changing the organization's groups takes, ``change`` on the organization (403 if the caller can see it, 404
if not). A group or organization named in the body that the caller cannot see is a 400 naming it, as for
every reference. Every rule of a policy is the service's: a 400 naming the field, nothing written. PATCH
needs the version read (in the body or as If-Match): a change since is a 409 ``stale_version``. People only:
an agent key gets 401.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.agent.selectors import agent_get, group_get
from agents.common.access import require
from agents.common.api import ListApi, expected_version
from agents.common.errors import invalid
from agents.common.selectors import resolve
from agents.organization.selectors import organization_get
from agents.supervision.api.filters import PolicyFilter
from agents.supervision.api.serializers import PolicyCreateInput, PolicyOutput, PolicyUpdateInput
from agents.supervision.models import SupervisorPolicy
from agents.supervision.selectors import policy_get, policy_list
from agents.supervision.services.policies import policy_create, policy_delete, policy_update


def _escalate_agent(request: Request, data: dict[str, Any]) -> None:
    """An escalation agent the caller cannot see is a 400 naming it (its organization is the service's rule)."""
    if data.get("escalate_agent") is not None:
        pk = data["escalate_agent"]
        data["escalate_agent"] = resolve("escalate_agent", lambda: agent_get(user=request.user, pk=pk))


def _headers(policy: SupervisorPolicy) -> dict[str, str]:
    return {"ETag": f'"{policy.version}"'}


class PolicyListApi(ListApi):
    output_serializer = PolicyOutput
    filterset_class = PolicyFilter
    search_fields: list[str] = []
    ordering_fields = ["created_at", "updated_at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return SupervisorPolicy.objects.none()
        return policy_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """Supervisor policies of the organizations you may view (``?organization=``, ``?group=``)."""
        return self.list_response()

    @extend_schema(request=PolicyCreateInput, responses={201: PolicyOutput})
    def post(self, request: Request) -> Response:
        """Give a group (or, without one, the organization as its default) a supervisor policy."""
        data = PolicyCreateInput.parse(request.data)
        org_id, group_id = data.pop("organization", None), data.pop("group", None)
        group = None if group_id is None else resolve("group", lambda: group_get(user=request.user, pk=group_id))
        if org_id is None and group is None:
            raise invalid("organization", "Name the organization (or a group of it).")
        org = group.organization if org_id is None else resolve(
            "organization", lambda: organization_get(user=request.user, pk=org_id))
        require(request.user, "change", org)
        _escalate_agent(request, data)
        policy = policy_create(organization=org, group=group, by=actor_of(request.user), **data)
        policy = policy_get(user=request.user, pk=policy.pk)
        return Response(PolicyOutput(policy).data, status=status.HTTP_201_CREATED, headers=_headers(policy))


class PolicyDetailApi(APIView):
    @extend_schema(responses={200: PolicyOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One supervisor policy: its strategy, restart type, limits, escalation and `version`."""
        policy = policy_get(user=request.user, pk=pk)
        return Response(PolicyOutput(policy).data, headers=_headers(policy))

    @extend_schema(request=PolicyUpdateInput, responses={200: PolicyOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        """Change a policy. Send the ``version`` you read: if someone changed it since, 409."""
        policy = policy_get(user=request.user, pk=pk)
        require(request.user, "change", policy.organization)
        data = PolicyUpdateInput.parse(request.data)
        version = expected_version(request, data)
        _escalate_agent(request, data)
        policy_update(policy=policy, by=actor_of(request.user), expected_version=version, **data)
        policy = policy_get(user=request.user, pk=pk)
        return Response(PolicyOutput(policy).data, headers=_headers(policy))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        """Delete a policy: its agents fall back to their next group's policy or the default."""
        policy = policy_get(user=request.user, pk=pk)
        require(request.user, "change", policy.organization)
        policy_delete(policy=policy, by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
