"""API shapes of plans: strict inputs (JSON fields or a ``text``), outputs built from the current version."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agents.common.limits import PLAN_TEXT_MAX_CHARS, REASON_MAX
from agents.reasoning.plans.models import Plan, PlanVersion
from agents.reasoning.plans.selectors import current_version
from agents.reasoning.plans.services import plan_document
from agents.reasoning.plans.triggers import TriggerKind
from mabos.api.serializers import InputSerializer

#: The fields of a plan document, as the API takes and gives them (docs/reasoning.md, Plans).
DOCUMENT_INPUT_FIELDS = ("label", "trigger", "args", "context", "body", "atomic", "source_order", "learning")
LEARNING_HELP = ('How learning judges the plan: {"reward": "...", "cost": "...", "features": {"key": "..."}}, '
                 "expressions (docs/reasoning.md, Plans).")


class TriggerOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TriggerKind.choices)
    name = serializers.CharField(required=False, help_text="The goal, belief, approval, action or timer.")
    performative = serializers.CharField(required=False, help_text="A message trigger's performative.")
    ontology = serializers.CharField(required=False)
    protocol = serializers.CharField(required=False)


class _DocumentOutput(serializers.Serializer):
    label = serializers.CharField()
    trigger = TriggerOutput()
    args = serializers.ListField(child=serializers.CharField())
    context = serializers.CharField(allow_blank=True)
    body = serializers.JSONField(help_text="The steps (docs/reasoning.md, Plans).")
    atomic = serializers.BooleanField()
    source_order = serializers.IntegerField()
    learning = serializers.JSONField(help_text=LEARNING_HELP)
    used_at = serializers.DateTimeField(allow_null=True)
    created_by = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()

    def _render(self, values: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, field in self.fields.items():
            value = values[name]
            as_is = value is None or name in ("trigger", "body", "learning")
            out[name] = value if as_is else field.to_representation(value)
        return out

    @staticmethod
    def _version_values(version: PlanVersion, label: str) -> dict[str, Any]:
        return {**plan_document(version, label=label), "used_at": version.used_at,
                "created_by": version.created_by_id, "created_at": version.created_at}


class PlanOutput(_DocumentOutput):
    """A plan with its current version's document (``version``, ``version_id``)."""

    id = serializers.UUIDField()
    organization = serializers.UUIDField(allow_null=True)
    role = serializers.UUIDField(allow_null=True, help_text="A global role template; empty for an organization's.")
    enabled = serializers.BooleanField()
    version = serializers.IntegerField(help_text="The current version's number.")
    version_id = serializers.UUIDField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, plan: Plan) -> dict[str, Any]:
        version = current_version(plan)
        return self._render({**self._version_values(version, plan.label), "id": plan.pk,
                             "organization": plan.organization_id, "role": plan.role_id, "enabled": plan.enabled,
                             "version": version.version, "version_id": version.pk, "updated_at": plan.updated_at,
                             "created_by": plan.created_by_id, "created_at": plan.created_at})


class PlanVersionOutput(_DocumentOutput):
    """One version: its number, whether it is current, and its document."""

    id = serializers.UUIDField()
    plan = serializers.UUIDField()
    version = serializers.IntegerField()
    is_current = serializers.BooleanField()

    def to_representation(self, version: PlanVersion) -> dict[str, Any]:
        return self._render({**self._version_values(version, version.plan.label), "id": version.pk,
                             "plan": version.plan_id, "version": version.version,
                             "is_current": version.is_current})


class _DocumentInput(InputSerializer):
    """A plan as JSON fields, or as ``text`` (the text form, one plan): one or the other."""

    text = serializers.CharField(required=False, trim_whitespace=False, max_length=PLAN_TEXT_MAX_CHARS,
                                 help_text="The plan in the text form (docs/reasoning.md, Text form).")
    label = serializers.CharField(required=False, allow_null=True)
    trigger = serializers.JSONField(required=False, help_text='{"kind": "goal_added", "name": "keep_runway"}')
    args = serializers.JSONField(required=False, help_text="Names bound from the event, Capitalized.")
    context = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    body = serializers.JSONField(required=False, help_text="The steps (docs/reasoning.md, Plans).")
    atomic = serializers.BooleanField(required=False)
    source_order = serializers.IntegerField(required=False, allow_null=True)
    learning = serializers.JSONField(required=False, allow_null=True, help_text=LEARNING_HELP)


class PlanCreateInput(_DocumentInput):
    organization = serializers.UUIDField(required=False, allow_null=True)
    role = serializers.UUIDField(required=False, allow_null=True,
                                 help_text="A global role template (administrators only); or give organization.")


class PlanVersionInput(_DocumentInput):
    """A new version: the whole text, or the JSON fields that change (the others stay as they are)."""

    version = serializers.IntegerField(required=False, help_text="The version you read; or send it as If-Match.")


class PlanDisableInput(InputSerializer):
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")
