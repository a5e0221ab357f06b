"""The JSON-Schema subset an action's arguments are declared in, and the checker of args against it.

A small subset on purpose (no new dependency, and every keyword is one we check): ``type``, ``enum``,
``const``; for objects ``properties``, ``required``, ``additionalProperties`` (false or a schema),
``propertyNames``, ``maxProperties``; for arrays ``items``, ``minItems``, ``maxItems``; for texts
``minLength``, ``maxLength``, ``pattern``, ``format: "uri"`` (an http or https URL); for numbers
``minimum``, ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``; and the annotations ``description``,
``title``, ``default``, ``examples``. A schema that uses any other keyword is refused when the action is
registered, so a deployment's schema is never half checked in silence.

The first problem is an ``InvalidInput`` naming its path (``args.url``, ``body[2].args.messages[0].role``).
With ``partial=True`` (a plan being saved) a computed value, ``{"expr": ...}``, stands for any value: only
what the plan writes literally is checked then; the worker checks the computed args before the call.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from agents.common.errors import invalid
from mabos import storable

KEYWORDS = frozenset({
    "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames", "maxProperties",
    "items", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "description", "title", "default", "examples", "x-message",
})
TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
FORMATS = ("uri",)
_PY_TYPES = {"string": str, "object": dict, "array": list, "null": type(None), "boolean": bool}


def schema_problem(schema: Any, path: str = "schema") -> str | None:
    """What is wrong with ``schema`` as an args schema (None: nothing). Checked once, at registration."""
    if not isinstance(schema, dict):
        return f"{path} must be a JSON object."
    unknown = sorted(set(schema) - KEYWORDS)
    if unknown:
        return f"{path} uses {unknown[0]!r}, which the actions' schema subset does not check."
    kinds = schema.get("type")
    for kind in [kinds] if isinstance(kinds, str) else (kinds or []):
        if kind not in TYPES:
            return f"{path}.type: unknown type {kind!r}."
    if "format" in schema and schema["format"] not in FORMATS:
        return f"{path}.format: only {', '.join(FORMATS)} is checked."
    if "pattern" in schema:
        try:
            re.compile(schema["pattern"])
        except (re.error, TypeError) as exc:
            return f"{path}.pattern: {exc}."
    for name, sub in (schema.get("properties") or {}).items():
        problem = schema_problem(sub, f"{path}.properties.{name}")
        if problem:
            return problem
    for keyword in ("items", "propertyNames"):
        if keyword in schema:
            problem = schema_problem(schema[keyword], f"{path}.{keyword}")
            if problem:
                return problem
    extra = schema.get("additionalProperties", True)
    if not isinstance(extra, bool):
        return schema_problem(extra, f"{path}.additionalProperties")
    return None


def is_computed(value: Any) -> bool:
    """A plan's computed value: an object with the one key ``expr``."""
    return isinstance(value, dict) and list(value) == ["expr"]


def _type_ok(value: Any, kind: str) -> bool:
    if kind in ("number", "integer"):
        return isinstance(value, int | float) and not isinstance(value, bool) and \
            (kind == "number" or isinstance(value, int) or (isinstance(value, float) and value.is_integer()))
    return isinstance(value, _PY_TYPES[kind])


def check_value(schema: dict[str, Any], value: Any, path: str, *, partial: bool = False) -> None:
    """``value`` against ``schema``; the first problem is a 400 naming ``path`` or a path inside it."""
    if partial and is_computed(value):
        return
    if "const" in schema and value != schema["const"]:
        raise invalid(path, f"Must be {schema['const']!r}.")
    if "enum" in schema and value not in schema["enum"]:
        raise invalid(path, f"Must be one of {', '.join(map(str, schema['enum']))}.")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_type_ok(value, kind) for kind in kinds):
            raise invalid(path, f"Must be {' or '.join(kinds)}.")
    if isinstance(value, str):
        _check_text(schema, value, path)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(schema, value, path)
    elif isinstance(value, list):
        _check_array(schema, value, path, partial)
    elif isinstance(value, dict):
        _check_object(schema, value, path, partial)


def _check_text(schema: dict[str, Any], value: str, path: str) -> None:
    problem = storable.text_problem(value)
    if problem:
        raise invalid(path, problem)
    if len(value) < schema.get("minLength", 0):
        raise invalid(path, "This field may not be blank." if not value else
                      f"At least {schema['minLength']} characters.")
    if len(value) > schema.get("maxLength", len(value)):
        raise invalid(path, f"At most {schema['maxLength']} characters.")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        raise invalid(path, schema.get("x-message", f"Does not match {schema['pattern']}."))
    if schema.get("format") == "uri":
        parts = urlsplit(value)
        try:
            _ = parts.port
        except ValueError:
            raise invalid(path, "Not a valid URL: its port is not a number from 0 to 65535.") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise invalid(path, "Must be an http:// or https:// URL with a host.")


def _check_number(schema: dict[str, Any], value: float, path: str) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        raise invalid(path, f"At least {schema['minimum']}.")
    if "maximum" in schema and value > schema["maximum"]:
        raise invalid(path, f"At most {schema['maximum']}.")
    if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
        raise invalid(path, f"Must be more than {schema['exclusiveMinimum']}.")
    if "exclusiveMaximum" in schema and not value < schema["exclusiveMaximum"]:
        raise invalid(path, f"Must be less than {schema['exclusiveMaximum']}.")


def _check_array(schema: dict[str, Any], value: list, path: str, partial: bool) -> None:
    if len(value) < schema.get("minItems", 0):
        raise invalid(path, f"At least {schema['minItems']} item(s).")
    if len(value) > schema.get("maxItems", len(value)):
        raise invalid(path, f"At most {schema['maxItems']} items.")
    if "items" in schema:
        for index, item in enumerate(value):
            check_value(schema["items"], item, f"{path}[{index}]", partial=partial)


def _check_object(schema: dict[str, Any], value: dict, path: str, partial: bool) -> None:
    properties = schema.get("properties") or {}
    for name in schema.get("required", ()):
        if name not in value:
            raise invalid(f"{path}.{name}", "This field is required.")
    if len(value) > schema.get("maxProperties", len(value)):
        raise invalid(path, f"At most {schema['maxProperties']} entries.")
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        where = f"{path}.{name}"
        if "propertyNames" in schema:
            check_value(schema["propertyNames"], name, where)
        if name in properties:
            check_value(properties[name], item, where, partial=partial)
        elif extra is False:
            known = ", ".join(properties) or "none"
            raise invalid(where, f"Unknown argument {name!r}; the arguments are {known}.")
        elif isinstance(extra, dict):
            check_value(extra, item, where, partial=partial)
