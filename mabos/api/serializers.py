"""Input serializers that refuse what they do not know.

An unknown field is usually a typo or a client on the wrong version; silently
ignoring it would hide the bug, so it is a 400 naming the field.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


def _nests_a_serializer(field: serializers.Field) -> bool:
    child = getattr(field, "child", None)
    return isinstance(field, serializers.BaseSerializer) or (child is not None and _nests_a_serializer(child))


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    """What ``copy.copy`` does for a field (a new instance sharing the attributes), without its generic
    ``__reduce_ex__`` round trip, which cost a send more than the copy itself. A class that defines its own
    ``__copy__`` still gets it."""
    if hasattr(type(field), "__copy__"):
        return copy.copy(field)
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class InputSerializer(serializers.Serializer):
    """Base of every API input: strict about unknown fields and about the body being an object."""

    default_error_messages = {"unknown": "Unknown field."}

    def get_fields(self) -> dict[str, serializers.Field]:
        """Shallow copies of the declared fields, bound to this instance by DRF as usual.

        DRF deep-copies every declared field per serializer instance, which re-runs
        each field's ``__init__``: for the 19 fields of a message send that was a
        fifth of the request. An input field is not changed after construction;
        binding sets its name and parent on the copy alone. Nested serializers
        (which carry bound fields of their own) are still deep-copied.
        """
        return {name: copy.deepcopy(field) if _nests_a_serializer(field) else _shallow_copy(field)
                for name, field in self._declared_fields.items()}

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
        """Validated data, or a ValidationError the exception handler turns into a 400 naming each field.

        Each thread keeps the instance of its last parse of this class and validates the next body with it,
        so its fields are copied and bound once per thread instead of once per request (a send's body has 19).
        Nothing of one parse survives into the next: the data, the context and every result are replaced
        or dropped. A class that overrides ``__init__`` or ``get_fields`` (which may shape the fields from
        the context) always gets a fresh instance.
        """
        idle = _idle.__dict__.setdefault(cls, []) if _reusable(cls) else None
        serializer = idle.pop() if idle else None
        if serializer is None:
            serializer = cls(data=data, context=context)
        else:
            serializer.initial_data, serializer._context = data, context
        try:
            serializer.is_valid(raise_exception=True)
            return dict(serializer.validated_data)
        finally:
            for name in _RESULTS:
                serializer.__dict__.pop(name, None)
            serializer.__dict__.pop("initial_data", None)
            serializer._context = {}
            if idle is not None:
                idle.append(serializer)


#: The attributes one validation leaves on a serializer (DRF's ``is_valid``, ``errors``, ``data``).
_RESULTS = ("_validated_data", "_errors", "_data")
_idle = threading.local()
_reusable_classes: dict[type, bool] = {}


def _reusable(cls: type) -> bool:
    """Whether ``cls`` builds its fields from the declarations alone, the same for every request."""
    known = _reusable_classes.get(cls)
    if known is None:
        own = [klass for klass in cls.__mro__ if klass is not InputSerializer and issubclass(klass, InputSerializer)]
        known = _reusable_classes[cls] = not any("__init__" in vars(klass) or "get_fields" in vars(klass)
                                                 for klass in own)
    return known
