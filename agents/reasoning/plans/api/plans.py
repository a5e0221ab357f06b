"""/plans/: an organization's plans and the role templates' plans, as JSON or in the text form.

Authoring needs ``change`` on the organization; a role template's plan, what writing a global template
needs (agents/reasoning/plans/access.py). A plan is posted as JSON fields or as ``text`` (one plan);
``?format=text`` on the detail gives the text form back. A new version is a POST to ``versions/`` with
the version you read; the fields you leave out keep their values.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.common.api import ListApi, expected_version
from agents.common.errors import invalid
from agents.common.selectors import resolve
from agents.organization.selectors import organization_get, role_get
from agents.reasoning.plans.access import plan_write_require
from agents.reasoning.plans.api.filters import PlanFilter
from agents.reasoning.plans.api.renderers import PlanTextRenderer
from agents.reasoning.plans.api.serializers import (
    DOCUMENT_INPUT_FIELDS,
    PlanCreateInput,
    PlanDisableInput,
    PlanOutput,
    PlanVersionInput,
    PlanVersionOutput,
)
from agents.reasoning.plans.models import PlanVersion
from agents.reasoning.plans.selectors import current_version, plan_get, plan_list, plan_versions
from agents.reasoning.plans.services import (
    plan_create,
    plan_disable,
    plan_document,
    plan_enable,
    plan_revise,
    plan_scope,
)
from agents.reasoning.plans.text import plan_to_text, text_to_plans

FORMAT = OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "text"], required=False,
                          description="text: the plan in the text form, as text/plain.")


def _document(data: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document the input describes: its ``text`` (one plan), or its JSON fields over ``base``."""
    given = {name: data[name] for name in DOCUMENT_INPUT_FIELDS if name in data}
    if "text" in data:
        if given:
            raise invalid(sorted(given)[0], "Send the plan either as text or as JSON fields, not both.")
        plans = text_to_plans(data["text"])
        if len(plans) != 1:
            raise invalid("text", f"Send one plan per request; this text holds {len(plans)}.")
        return plans[0]
    return {**(base or {}), **given}


class PlanListApi(ListApi):
    output_serializer = PlanOutput
    filterset_class = PlanFilter
    search_fields = ["label"]
    ordering_fields = ["label", "created_at", "updated_at"]

    def get_queryset(self) -> Any:
        return plan_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """Plans of the organizations you may view and the role templates (filter by `organization`, `role`,
        `trigger_kind` ...)."""
        return self.list_response()

    @extend_schema(request=PlanCreateInput, responses={201: PlanOutput})
    def post(self, request: Request) -> Response:
        """Create a plan (version 1) of an organization or of a global role template, as JSON or text."""
        data = PlanCreateInput.parse(request.data)
        org_id, role_id = data.pop("organization", None), data.pop("role", None)
        if org_id and role_id:
            raise invalid("role", "A plan belongs to an organization or to a role template, not both.")
        organization = resolve("organization", lambda: organization_get(user=request.user, pk=org_id)) \
            if org_id else None
        role = resolve("role", lambda: role_get(user=request.user, pk=role_id)) if role_id else None
        plan_scope(organization=organization, role=role)  # no such scope: a 400, before any 403
        plan_write_require(request.user, organization=organization)
        plan = plan_create(document=_document(data), organization=organization, role=role,
                           by=actor_of(request.user))
        return Response(PlanOutput(plan_get(user=request.user, pk=plan.pk)).data, status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, PlanTextRenderer]

    @extend_schema(parameters=[FORMAT], responses={(200, "application/json"): PlanOutput,
                                                   (200, "text/plain"): OpenApiTypes.STR})
    def get(self, request: Request, pk: Any) -> Response:
        """The plan and its current version; ``?format=text`` gives the version in the text form."""
        plan = plan_get(user=request.user, pk=pk)
        if request.accepted_renderer.format == PlanTextRenderer.format:
            version = current_version(plan)
            return Response(plan_to_text(plan_document(version, label=plan.label)) + "\n",
                            content_type="text/plain; charset=utf-8")
        return Response(PlanOutput(plan).data)

    def handle_exception(self, exc: Exception) -> Response:
        """Errors are JSON, whatever format the caller asked for."""
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)


class PlanVersionListApi(ListApi):
    output_serializer = PlanVersionOutput
    ordering_fields = ["version", "created_at"]
    search_fields: list[str] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return PlanVersion.objects.none()
        return plan_versions(plan=plan_get(user=self.request.user, pk=self.kwargs["pk"]))

    def get(self, request: Request, pk: Any) -> Response:
        """Every version of the plan, newest first, each with its document."""
        return self.list_response()

    @extend_schema(request=PlanVersionInput, responses={
        201: PlanVersionOutput, 200: OpenApiResponse(PlanVersionOutput, description="Nothing changed: the current "
                                                                                    "version, nothing written.")})
    def post(self, request: Request, pk: Any) -> Response:
        """A new version (it becomes current; intentions on the old one finish on it). Send the version you
        read (``version`` or If-Match): if someone revised the plan since, 409."""
        plan = plan_get(user=request.user, pk=pk)
        plan_write_require(request.user, plan=plan)
        data = PlanVersionInput.parse(request.data)
        expected = expected_version(request, data)
        current = current_version(plan)
        version = plan_revise(plan=plan, document=_document(data, base=plan_document(current, label=plan.label)),
                              expected_version=expected, by=actor_of(request.user))
        created = version.pk != current.pk
        return Response(PlanVersionOutput(version).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class _EnabledApi(APIView):
    enable = False

    @extend_schema(request=PlanDisableInput, responses={200: PlanOutput})
    def post(self, request: Request, pk: Any) -> Response:
        plan = plan_get(user=request.user, pk=pk)
        plan_write_require(request.user, plan=plan)
        data = PlanDisableInput.parse(request.data)
        (plan_enable if self.enable else plan_disable)(plan=plan, by=actor_of(request.user), **data)
        return Response(PlanOutput(plan_get(user=request.user, pk=pk)).data)


class PlanDisableApi(_EnabledApi):
    """No new intention starts on the plan; intentions already running on it finish."""


class PlanEnableApi(_EnabledApi):
    """The plan is chosen again for new events."""

    enable = True
