"""Input serializers that refuse what they do not know.

An unknown field is usually a typo or a client on the wrong version; silently
ignoring it would hide the bug, so it is a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class InputSerializer(serializers.Serializer):
    """Base of every API input: strict about unknown fields and about the body being an object."""

    default_error_messages = {"unknown": "Unknown field."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {"non_field_errors": [f"Expected a JSON object, got {type(data).__name__}."]}, code="invalid")
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: [self.error_messages["unknown"]] for name in unknown},
                                              code="unknown")
        return super().to_internal_value(data)

    @classmethod
    def parse(cls, data: Any, **context: Any) -> dict[str, Any]:
        """Validated data, or a ValidationError the exception handler turns into a 400 naming each field."""
        serializer = cls(data=data, context=context)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
