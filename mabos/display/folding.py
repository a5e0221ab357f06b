"""Long JSON folded: a read-only page or a list cell shows a one-line preview, the whole value one click away.

A message's content, an event's detail or a plan's bindings can be hundreds of lines; shown open, one value
pushes the rest of the page out of sight. ``<details>`` folds it without a script (the CSP allows none
inline): the summary is the value on one line, cut; opening it shows the indented JSON in a ``<pre>``
(admin.css wraps it). Short values are shown open, as folding them would only hide them.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

#: Folded when the indented text is longer than this many lines or characters.
FOLD_LINES, FOLD_CHARS = 12, 600
#: Characters of the one-line preview in the summary.
SUMMARY_CHARS = 100


def json_text(value: Any) -> str:
    """Indented JSON, keys sorted, never a Python repr."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def json_line(value: Any, limit: int = SUMMARY_CHARS) -> str:
    """The value on one line, compact, cut at ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def is_long(text: str) -> bool:
    return text.count("\n") + 1 > FOLD_LINES or len(text) > FOLD_CHARS


def json_folded(value: Any) -> SafeString:
    """Indented JSON in a ``<pre>``; folded in a ``<details>`` when it is long (see the module)."""
    text = json_text(value)
    pre = format_html('<pre class="mabos-json">{}</pre>', text)
    if not is_long(text):
        return pre
    lines = text.count("\n") + 1
    return format_html('<details class="mabos-fold"><summary><code>{}</code> <span class="mabos-muted">({} lines)'
                       '</span></summary>{}</details>', json_line(value), lines, pre)
