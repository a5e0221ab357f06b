"""Sizes and shapes every layer quotes: the database constraints, the service checks and the API
serializers all use these numbers, so they are defined once."""

from __future__ import annotations

#: Lower-case words joined by single hyphens: safe in URLs, stable as identifiers.
SLUG_REGEX = r"^[a-z0-9]+(-[a-z0-9]+)*$"


SLUG_MAX = 64


NAME_MAX = 200


#: Largest JSON document (as text) in any JSON column: a belief value, a config, a profile.
JSON_MAX_CHARS = 32_768


#: Largest ``content`` of a message, as JSON text: the same bound as every other JSON column.
CONTENT_MAX_CHARS = JSON_MAX_CHARS


SHORT_TEXT = 200


#: Belief keys are dotted identifiers ("market.share", "cash:runway") so they fit in a URL.
BELIEF_KEY_REGEX = r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$"
