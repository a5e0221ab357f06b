"""Make any text safe to store in an audit row and to print in a log line.

Audit rows hold text that users and clients choose (names, user agents,
notes). Two rules, so auditing never fails the action it records:

* neutralise: control characters, line breaks, lone surrogates and bidi
  overrides become visible escapes (``\\n``, ``\\x00``, ``\\u202e``), so a value
  cannot forge a second log line, hide text, or be refused by PostgreSQL
  (which rejects NUL in text and jsonb);
* truncate, never reject: a value longer than its column is cut and marked
  with ``…``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

ELLIPSIS = "…"

# Format characters that reorder or hide text when displayed (Trojan Source).
_INVISIBLE = {0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def neutralise(value: Any) -> str:
    """Text with every unsafe character replaced by a visible escape. Bytes are decoded leniently."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("utf-8", errors="backslashreplace")
    else:
        try:
            text = value if isinstance(value, str) else str(value)
        except Exception:  # a broken __str__ must not break the audited action
            text = f"<unprintable {type(value).__name__}>"
    if text.isprintable() and not any(ord(c) in _INVISIBLE for c in text):
        return text  # the common case: nothing to do
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Zl", "Zp") or ord(char) in _INVISIBLE:
            out.append(_escape(char))
        else:
            out.append(char)
    return "".join(out)


def truncate(text: str, max_length: int) -> str:
    """Cut to ``max_length`` characters, marking the cut; never raise."""
    if len(text) <= max_length:
        return text
    if max_length <= len(ELLIPSIS):
        return text[:max_length]
    return text[: max_length - len(ELLIPSIS)] + ELLIPSIS


def clean_text(value: Any, max_length: int) -> str:
    """Neutralise, then truncate: escaping lengthens text, so the cut comes last."""
    return truncate(neutralise(value), max_length)
