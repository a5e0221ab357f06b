"""GET/PUT/DELETE /api/v1/settings/: administrators read and override the runtime settings.

Only settings marked ``runtime=True`` in config/env/schema.py appear here; the rules
an override must satisfy are the schema's (mabos/runtime_settings/store.py), so a
refused value is a 400 naming the setting and the rule, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.env import SCHEMA_BY_NAME, Setting
from mabos.api.permissions import IsAdministrator
from mabos.api.serializers import InputSerializer
from mabos.errors import NotFound
from mabos.runtime_settings.store import (
    RUNTIME_SETTINGS,
    environment_value,
    forget,
    overrides,
    runtime_setting_clear,
    runtime_setting_set,
)


class RuntimeSettingOutput(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    value = serializers.JSONField()
    environment_value = serializers.JSONField()
    source = serializers.CharField()
    minimum = serializers.FloatField(allow_null=True)
    choices = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField()


def _describe(setting: Setting, found: dict[str, Any]) -> dict[str, Any]:
    env = environment_value(setting.name)
    return {"name": setting.name, "type": setting.cast, "value": found.get(setting.name, env),
            "environment_value": env, "source": "runtime override" if setting.name in found else "environment",
            "minimum": setting.minimum, "choices": list(setting.choices), "description": setting.doc}


def _fresh() -> dict[str, Any]:
    forget()  # an administrator reading the settings sees the database, not this process's copy
    return overrides()


class RuntimeSettingListApi(APIView):
    permission_classes = [IsAuthenticated, IsAdministrator]

    @extend_schema(responses={200: RuntimeSettingOutput(many=True)}, tags=["settings"])
    def get(self, request: Request) -> Response:
        """Every runtime setting: its value now, its default, whether it is overridden, and its rule
        (administrators)."""
        found = _fresh()
        return Response({"results": [_describe(s, found) for s in RUNTIME_SETTINGS]})


class RuntimeSettingDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsAdministrator]

    class InputSerializer(InputSerializer):
        value = serializers.JSONField()

    @extend_schema(responses={200: RuntimeSettingOutput}, tags=["settings"])
    def get(self, request: Request, name: str) -> Response:
        """One runtime setting: its value now, its default, and its rule."""
        setting = SCHEMA_BY_NAME.get(name)
        if setting is None or not setting.runtime:
            raise NotFound("runtime setting")
        return Response(_describe(setting, _fresh()))

    @extend_schema(request=InputSerializer, responses={200: RuntimeSettingOutput}, tags=["settings"])
    def put(self, request: Request, name: str) -> Response:
        """Override a setting (checked against its rule; audited)."""
        data = self.InputSerializer.parse(request.data)
        runtime_setting_set(name=name, value=data["value"], by=request.user)
        return Response(_describe(SCHEMA_BY_NAME[name], _fresh()))

    @extend_schema(responses={204: None}, tags=["settings"])
    def delete(self, request: Request, name: str) -> Response:
        """Remove the override: the setting returns to its default (audited)."""
        runtime_setting_clear(name=name, by=request.user)
        return Response(status=204)
