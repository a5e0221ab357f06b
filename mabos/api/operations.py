"""The API's own OpenAPI schema, indexed by operation: what each one documents, for the code that enforces it.

Two doors read it: the query-parameter check (``query_params``: only what the
schema lists is accepted) and the browsable API (``renderers``: its POST form
starts from the operation's example, or from its input fields, never from the
output shape). Built once per process (a few hundred milliseconds: gunicorn at
worker start, config/gunicorn.py; elsewhere the first time either needs it),
from the same generator that serves /api/schema/, so the documentation and the
behaviour cannot disagree.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

_METHODS = {"get", "post", "put", "patch", "delete"}
_EMPTY: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}
_lock = threading.Lock()
_index: list[tuple[re.Pattern[str], int, dict[str, Operation]]] | None = None


@dataclass(frozen=True)
class Operation:
    query: frozenset[str]
    #: The body a person would start from: the first example, else each input field with a placeholder.
    body: dict[str, Any] | None = field(default=None)


def _placeholder(prop: dict[str, Any], components: dict[str, Any]) -> Any:
    if "$ref" in prop:
        prop = components.get(prop["$ref"].rsplit("/", 1)[-1], {})
    if prop.get("allOf"):
        return _placeholder(prop["allOf"][0], components)
    if "enum" in prop:
        return next((value for value in prop["enum"] if value not in ("", None)), None)
    if "default" in prop:
        return prop["default"]
    return _EMPTY.get(prop.get("type", ""))


def _body(operation: dict[str, Any], components: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None
    examples = content.get("examples") or {}
    if examples:
        return next(iter(examples.values())).get("value")
    ref = content.get("schema", {}).get("$ref", "")
    schema = components.get(ref.rsplit("/", 1)[-1], {})
    properties = schema.get("properties", {})
    return {name: _placeholder(prop, components) for name, prop in properties.items() if not prop.get("readOnly")}


def _build() -> list[tuple[re.Pattern[str], int, dict[str, Operation]]]:
    from drf_spectacular.generators import SchemaGenerator  # imports every API view: only when first needed

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    index = []
    for path, item in schema.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        operations = {
            method: Operation(query=frozenset(p["name"] for p in operation.get("parameters", [])
                                              if p.get("in") == "query"),
                              body=_body(operation, components))
            for method, operation in item.items() if method in _METHODS}
        index.append((pattern, path.count("{"), operations))
    index.sort(key=lambda row: row[1])  # a literal path (organizations/onboard/) before a templated one
    return index


def operation(method: str, path: str) -> Operation | None:
    """The documented operation ``method path`` (HEAD is GET's), or None when the schema has no such operation."""
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = _build()
    method = "get" if method.lower() == "head" else method.lower()
    for pattern, _templated, operations in _index:
        if pattern.match(path):
            return operations.get(method)
    return None
