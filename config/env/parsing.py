"""How the text of an environment variable (or of the file ``NAME_FILE`` names) becomes a typed value.

config/env/schema.py declares each setting's type by name (``cast``); these are the parsers of those names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from environ import FileAwareMapping

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse_bool(raw: str) -> bool:
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("is not a boolean")


def _parse_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _parse_dict(raw: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in _parse_list(raw):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"entry {key.strip()!r} is not id=value")
        result[key.strip()] = value.strip()
    return result


PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "url": str.strip,
    "bool": _parse_bool,
    "int": int,
    "float": float,
    "list": _parse_list,
    "dict": _parse_dict,
}

TYPE_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false",
               "dict": "comma-separated id=value pairs"}


def read_raw(env: FileAwareMapping, name: str) -> tuple[str | None, str]:
    """The raw text of a variable, from ``NAME_FILE`` (which wins) or from ``NAME``."""
    file_name = env.env.get(f"{name}_FILE")
    if file_name:
        return env[name].strip(), f"file {file_name}"
    if name in env.env:
        return env.env[name], "environment"
    return None, "default"
