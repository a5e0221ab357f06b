"""Django form fields held to ``mabos.storable.checks``: the admin's JSON text areas get the API's rule.

``forms.JSONField`` accepts what ``json.loads`` accepts: ``"\\u0000"`` (a NUL the
database refuses), ``"\\ud800"`` (a lone surrogate, which also breaks the page
when the form is shown again: it cannot be encoded as UTF-8), ``1e400``
(infinity) and nesting deep enough to exhaust the parser. Each of these was a
500; with ``StorableJSONField`` each is an error next to the field, and the text
area shows again exactly what was typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.fields import InvalidJSONInput

from mabos.storable.checks import MAX_JSON_DEPTH, Unstorable, check_json

TOO_DEEP = f"Nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects."


class StorableJSONField(forms.JSONField):
    def to_python(self, value: Any) -> Any:
        try:
            converted = super().to_python(value)
        except RecursionError:
            raise ValidationError(TOO_DEEP, code="too_deep") from None
        try:
            check_json(converted)
        except Unstorable as exc:
            message = f"{exc.message} (at {exc.path})" if exc.path else exc.message
            raise ValidationError(message, code="unstorable") from None
        return converted

    def bound_data(self, data: Any, initial: Any) -> Any:
        """Show an unstorable value as the text that was typed (escapes intact), never re-encoded."""
        try:
            value = super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)
        if self.disabled or data is None or isinstance(value, InvalidJSONInput):
            return value
        try:
            check_json(value)
        except Unstorable:
            return InvalidJSONInput(data)
        return value


#: ``formfield_overrides`` for every ModelAdmin or inline with an editable JSON field.
STORABLE_FORMFIELDS: dict[type, dict[str, Any]] = {models.JSONField: {"form_class": StorableJSONField}}
