"""API shapes of agent keys."""

from __future__ import annotations

from rest_framework import serializers

from agents.common.limits import LABEL_MAX
from agents.keys.models import AgentApiKey
from mabos.api.serializers import InputSerializer


class ApiKeyOutput(serializers.ModelSerializer):
    class Meta:
        model = AgentApiKey
        fields = ["id", "agent", "name", "prefix", "created_at", "revoked_at", "last_used_at", "last_used_ip"]


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.CharField(help_text="The key itself. Shown only in this response; store it now.")

    class Meta(ApiKeyOutput.Meta):
        fields = [*ApiKeyOutput.Meta.fields, "key"]


class ApiKeyInput(InputSerializer):
    name = serializers.CharField(max_length=LABEL_MAX, allow_blank=True, required=False, default="")
