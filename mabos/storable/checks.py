"""What PostgreSQL can store, checked before it is asked to: one rule for every text and JSON input.

PostgreSQL refuses a NUL character in ``text`` and in ``jsonb`` strings, and a
lone UTF-16 surrogate (``\\ud800``) is not Unicode at all, so it cannot be
encoded to send. Python's ``json`` accepts both as escapes, and also numbers
such as ``1e400`` (read as infinity, which is not JSON). Left alone, each of
these reaches the database and comes back as a 500. The API's JSON parser, the
services' ``check_json``/``check_text`` and the admin forms all ask this module
instead, so the same input gets the same 400 naming the same field, whatever
door it came through.

The size of a JSON value is measured the way the database prints it
(``value::text``, which the size constraints measure): jsonb keeps numbers as
``numeric`` and prints them without an exponent, so ``1e300`` is six characters
to Python and 301 to PostgreSQL.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

#: Deepest nesting of arrays and objects accepted in a request body or a JSON field.
MAX_JSON_DEPTH = 32

_SURROGATE = re.compile("[\ud800-\udfff]")
NUL_MESSAGE = "Contains a NUL character (\\u0000), which cannot be stored."
SURROGATE_MESSAGE = "Contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode."


class Unstorable(ValueError):
    """A value PostgreSQL would refuse; ``path`` names where it is (``content.items[2]``, or "" for the top)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class TooDeep(Unstorable):
    """Arrays and objects nested deeper than the limit."""


def text_problem(value: str) -> str | None:
    """Why PostgreSQL cannot store this text, or None if it can."""
    if "\x00" in value:
        return NUL_MESSAGE
    if _SURROGATE.search(value):
        return SURROGATE_MESSAGE
    return None


def check_text(value: str, *, path: str = "") -> str:
    problem = text_problem(value)
    if problem:
        raise Unstorable(path, problem)
    return value


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def check_json(value: Any, *, path: str = "", max_depth: int = MAX_JSON_DEPTH) -> float:
    """Raise Unstorable for the first string, key or number PostgreSQL would refuse, or for nesting past
    ``max_depth``; return how many characters longer than ``json.dumps`` the database will print it.

    Iterative, so a deeply nested value cannot exhaust the stack here.
    """
    extra = 0
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            check_text(item, path=where)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise Unstorable(where, "Not a finite number; JSON has no NaN or Infinity.")
            extra += len(jsonb_number_text(item)) - len(float.__repr__(item))
        elif isinstance(item, dict | list | tuple):
            if depth >= max_depth:
                raise TooDeep(where, f"Nested deeper than {max_depth} levels of arrays and objects.")
            if isinstance(item, dict):
                for key, child in item.items():
                    problem = text_problem(key) if isinstance(key, str) else None
                    if problem:
                        raise Unstorable(where, "A key c" + problem[1:])
                    stack.append((child, _child(where, str(key)), depth + 1))
            else:
                stack.extend((child, _child(where, i), depth + 1) for i, child in enumerate(item))
    return extra


def jsonb_number_text(number: float) -> str:
    """A float as PostgreSQL's jsonb prints it: ``numeric``, plain notation (``1e+300`` -> 301 digits)."""
    return format(Decimal(float.__repr__(number)), "f")


def jsonb_size(value: Any, *, path: str = "", default: Any = None) -> int:
    """Characters in ``value::text`` once stored as jsonb (what the size constraints measure).

    Raises Unstorable for what the database would refuse, TypeError/ValueError for what is not JSON.
    """
    extra = check_json(value, path=path)
    return len(json.dumps(value, ensure_ascii=False, allow_nan=False, default=default)) + extra
