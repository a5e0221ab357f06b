"""What a third party's reply becomes in a result: JSON when it says JSON, else its text, always storable.

A result is stored as jsonb (``actionrequest_result_size``) and travels in the ``action_result`` event, so
it must be strict JSON without NUL characters and within ``ACTION_RESULT_MAX_CHARS``. A reply that says
JSON and is none (or holds NaN, or a NUL) is a garbage reply, ``bad_reply``: permanent, the same reply
would come back. A text reply is kept as text, cut (and marked ``truncated``) so that it fits.
"""

from __future__ import annotations

import json
from typing import Any

from agents.common.limits import ACTION_RESULT_MAX_CHARS
from agents.reasoning.actions.registry import PermanentError
from agents.reasoning.actions.transport import Reply
from mabos import storable

#: Room a reply's text may take in a result, leaving some for the other fields.
TEXT_BUDGET = ACTION_RESULT_MAX_CHARS - 1024


def says_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes, *, what: str = "the reply") -> Any:
    """``body`` as strict, storable JSON, or ``bad_reply``."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
        storable.check_json(value)
    except (UnicodeDecodeError, ValueError, RecursionError, storable.Unstorable) as exc:
        excerpt = body[:120].decode("utf-8", errors="replace")
        raise PermanentError("bad_reply", f"{what} is not valid JSON ({type(exc).__name__}): {excerpt!r}") from None
    return value


def fit_text(text: str, budget: int = TEXT_BUDGET) -> tuple[str, bool]:
    """``text`` without NUL characters and cut to ``budget`` characters as jsonb prints it; and whether it was cut."""
    text = text.replace("\x00", "\ufffd")
    cut = False
    while storable.jsonb_size(text) > budget:
        text, cut = text[: len(text) * 3 // 4], True
    return text, cut


def reply_body(reply: Reply) -> tuple[Any, bool]:
    """The reply's body for a result (None when empty), and whether it was cut."""
    if not reply.body:
        return None, reply.truncated
    if says_json(reply.content_type) and not reply.truncated:
        value = parse_json(reply.body)
        if storable.jsonb_size(value) <= TEXT_BUDGET:
            return value, False
        reply_text = json.dumps(value, ensure_ascii=False)
    else:
        reply_text = reply.body.decode("utf-8", errors="replace")
    text, cut = fit_text(reply_text)
    return text, cut or reply.truncated
