"""/organizations/onboard/: describe a business, get a staffed organization."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.onboarding.api.serializers import OnboardInput
from agents.onboarding.services import organization_onboard
from agents.organization.access import organization_create_require
from agents.organization.api.serializers import OrganizationOutput
from agents.organization.selectors import organization_get


class OrganizationOnboardApi(APIView):
    @extend_schema(request=OnboardInput, responses={201: OrganizationOutput})
    def post(self, request: Request) -> Response:
        """Describe a business; get an organization staffed with one agent per chosen role."""
        organization_create_require(request.user)
        data = OnboardInput.parse(request.data)
        org = organization_onboard(by=actor_of(request.user), **data)
        org = organization_get(user=request.user, pk=org.pk)
        return Response(OrganizationOutput(org).data, status=status.HTTP_201_CREATED)
