"""The API's JSON parser: a body PostgreSQL could not store is a 400 before any view sees it.

It runs for every JSON body, signed in or not (``auth/token/`` included), so no
serializer or service has to remember the rules of ``mabos.storable``. Nesting
past ``MAX_JSON_DEPTH`` (or deep enough to exhaust Python's parser) is a 400
``too_deep``; a NUL, a lone surrogate or a non-finite number anywhere, in a value
or a key, is a 400 ``invalid`` whose ``fields`` names the JSON path
(``content.items[2]``, ``messages[1].content``).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from mabos.storable import MAX_JSON_DEPTH, TooDeep, Unstorable, check_json


class JSONTooDeep(ParseError):
    default_code = "too_deep"
    default_detail = f"JSON nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects."


class StorableJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise JSONTooDeep() from None
        try:
            check_json(data)
        except TooDeep as exc:
            raise JSONTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects"
                              + (f" (at {exc.path})." if exc.path else ".")) from None
        except Unstorable as exc:
            raise serializers.ValidationError({exc.path or "non_field_errors": [exc.message]}) from None
        return data
