"""/organizations/, /organizations/onboard/ (describe a business, get it staffed) and /organizations/{id}/."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.common.access import require
from agents.common.api import ListApi
from agents.onboarding.services import organization_onboard
from agents.organization.access import organization_create_require
from agents.organization.api.filters import OrganizationFilter
from agents.organization.api.serializers import (
    OnboardInput,
    OrganizationCreateInput,
    OrganizationOutput,
    OrganizationUpdateInput,
)
from agents.organization.selectors import organization_get, organization_list
from agents.organization.services.organizations import organization_create, organization_delete, organization_update


class OrganizationListApi(ListApi):
    output_serializer = OrganizationOutput
    filterset_class = OrganizationFilter
    search_fields = ["name", "industry"]
    ordering_fields = ["name", "created_at", "updated_at"]

    def get_queryset(self) -> Any:
        return organization_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """The organizations you may view (`industry` filters, `search` matches the name)."""
        return self.list_response()

    @extend_schema(request=OrganizationCreateInput, responses={201: OrganizationOutput})
    def post(self, request: Request) -> Response:
        """Create an empty organization; the creator may manage it. To staff it too, use onboard/."""
        organization_create_require(request.user)
        data = OrganizationCreateInput.parse(request.data)
        org = organization_create(by=actor_of(request.user), **data)
        org = organization_get(user=request.user, pk=org.pk)  # with its agent_count, as every read has
        return Response(OrganizationOutput(org).data, status=status.HTTP_201_CREATED)


class OrganizationDetailApi(APIView):
    @extend_schema(responses={200: OrganizationOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One organization: its name, slug, industry, profile and `version`."""
        return Response(OrganizationOutput(organization_get(user=request.user, pk=pk)).data)

    @extend_schema(request=OrganizationUpdateInput, responses={200: OrganizationOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        """Change an organization. Send the `version` you read: if someone changed it since, 409."""
        org = organization_get(user=request.user, pk=pk)
        require(request.user, "change", org)
        data = OrganizationUpdateInput.parse(request.data)
        organization_update(organization=org, by=actor_of(request.user), **data)
        return Response(OrganizationOutput(organization_get(user=request.user, pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        """Delete an organization with its agents, groups and messages (needs delete on it); audited."""
        org = organization_get(user=request.user, pk=pk)
        require(request.user, "delete", org)
        organization_delete(organization=org, by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationOnboardApi(APIView):
    @extend_schema(request=OnboardInput, responses={201: OrganizationOutput})
    def post(self, request: Request) -> Response:
        """Describe a business; get an organization staffed with one agent per chosen role."""
        organization_create_require(request.user)
        data = OnboardInput.parse(request.data)
        org = organization_onboard(by=actor_of(request.user), **data)
        org = organization_get(user=request.user, pk=org.pk)
        return Response(OrganizationOutput(org).data, status=status.HTTP_201_CREATED)
