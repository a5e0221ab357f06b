"""What PostgreSQL can store, checked before it is asked to, and the doors that apply that one rule.

- ``checks``: the rule: text without NUL or lone surrogates, JSON finite, not too deep, sized as jsonb
  prints it. Imports nothing of ours; re-exported here (``from mabos import storable``).
- ``forms``: the admin's JSON form field held to the rule (``STORABLE_FORMFIELDS``).
- ``request``: the middleware that refuses query strings and paths breaking it, before any view runs.

``forms`` and ``request`` are not re-exported: they import Django forms and the API's error pages,
which code that only checks a value (the API's parser, the services) should not load.
"""

from mabos.storable.checks import (
    MAX_JSON_DEPTH,
    NUL_MESSAGE,
    SURROGATE_MESSAGE,
    TooDeep,
    Unstorable,
    check_json,
    check_text,
    jsonb_number_text,
    jsonb_size,
    text_problem,
)

__all__ = (
    "MAX_JSON_DEPTH",
    "NUL_MESSAGE",
    "SURROGATE_MESSAGE",
    "TooDeep",
    "Unstorable",
    "check_json",
    "check_text",
    "jsonb_number_text",
    "jsonb_size",
    "text_problem",
)
