"""Audit API serializers: one for the query string (input), one for events (output)."""

from __future__ import annotations

from rest_framework import serializers

from auditlog.export import EXPORT_FIELDS
from auditlog.models import Action, ActorType, AuditEvent


class AuditEventFilterSerializer(serializers.Serializer):
    """Query parameters of the list; a malformed value is a 400 naming the parameter."""

    actor_type = serializers.ChoiceField(choices=ActorType.choices, required=False)
    actor_id = serializers.CharField(max_length=AuditEvent.ACTOR_ID_MAX, required=False)
    action = serializers.ChoiceField(choices=Action.choices, required=False)
    target_type = serializers.CharField(max_length=AuditEvent.TARGET_TYPE_MAX, required=False)
    target_id = serializers.CharField(max_length=AuditEvent.TARGET_ID_MAX, required=False)
    since = serializers.DateTimeField(required=False, help_text="ISO 8601, inclusive.")
    until = serializers.DateTimeField(required=False, help_text="ISO 8601, exclusive.")

    def validate(self, attrs: dict) -> dict:
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "must be after since"})
        return attrs


class AuditEventOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = EXPORT_FIELDS
        read_only_fields = EXPORT_FIELDS
