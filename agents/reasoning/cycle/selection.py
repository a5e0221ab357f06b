"""Jason's three selection functions, pluggable (``Agent.selectEvent``, ``selectOption``, ``selectIntention``).

The defaults are Jason's: the oldest event; the first applicable plan in source order; and, for MABOS, every
running intention in turn, least recently stepped first (round-robin; an atomic intention runs alone). A
deployment replaces any of them with ``settings.MABOS_REASONING_SELECTION = {"event": "pkg.mod.fn", ...}``
(dotted paths to functions of the same signature); the learning policy (issue 16) replaces ``option``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def first_event(events: Sequence[Any]) -> Any | None:
    return events[0] if events else None


def first_applicable(options: Sequence[tuple[Any, dict[str, Any]]]) -> tuple[Any, dict[str, Any]] | None:
    return options[0] if options else None


def round_robin(intentions: Sequence[Any]) -> list[Any]:
    return sorted(intentions, key=lambda i: (i.last_cycle, i.created_at, str(i.id)))


@dataclass(frozen=True)
class Policy:
    select_event: Callable[[Sequence[Any]], Any | None] = first_event
    select_option: Callable[[Sequence[tuple[Any, dict[str, Any]]]], tuple[Any, dict[str, Any]] | None] = \
        first_applicable
    select_intentions: Callable[[Sequence[Any]], list[Any]] = round_robin


def policy_from_settings() -> Policy:
    """The policy the settings name (``MABOS_REASONING_SELECTION``), Jason's defaults for what they do not."""
    names = getattr(settings, "MABOS_REASONING_SELECTION", None) or {}
    chosen = {f"select_{kind}" if kind != "intention" else "select_intentions": import_string(path)
              for kind, path in names.items()}
    return Policy(**chosen)
