"""Jason's three selection functions, pluggable (``Agent.selectEvent``, ``selectOption``, ``selectIntention``).

The defaults are Jason's: the oldest event; the first applicable plan in source order; and, for MABOS, every
running intention in turn, least recently stepped first (round-robin; an atomic intention runs alone). A
deployment replaces any of them with ``settings.MABOS_REASONING_SELECTION = {"event": "pkg.mod.fn", ...}``
(dotted paths to functions of the same signature).

Learning (``agents.learning``, a later package) chooses plans by their outcomes through a *chooser* it
registers here (``chooser_register``): once per batch, after the minds are loaded, the factory reads what
it needs for the whole batch (the organizations' selection policies, the statistics) and returns an
object whose ``choose(cycle, trigger, options)`` returns the choice and its explanation. It replaces
``select_option`` unless the settings name one (a deployment's own ``option`` function wins).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


def first_event(events: Sequence[Any]) -> Any | None:
    return events[0] if events else None


def first_applicable(options: Sequence[tuple[Any, dict[str, Any]]]) -> tuple[Any, dict[str, Any]] | None:
    return options[0] if options else None


def round_robin(intentions: Sequence[Any]) -> list[Any]:
    return sorted(intentions, key=lambda i: (i.last_cycle, i.created_at, str(i.id)))


class Chooser(Protocol):
    def choose(self, cycle: Any, trigger: Any, options: Sequence[tuple[Any, dict[str, Any]]]
               ) -> tuple[tuple[Any, dict[str, Any]] | None, dict[str, Any] | None]: ...


ChooserFactory = Callable[[list[Any], Any], Chooser | None]
_FACTORIES: list[ChooserFactory] = []


def chooser_register(factory: ChooserFactory) -> None:
    """Learning's hook: ``factory(minds, library)`` is called once per batch (apps.ready registers it)."""
    if factory not in _FACTORIES:
        _FACTORIES.append(factory)


@dataclass(frozen=True)
class Policy:
    select_event: Callable[[Sequence[Any]], Any | None] = first_event
    select_option: Callable[[Sequence[tuple[Any, dict[str, Any]]]], tuple[Any, dict[str, Any]] | None] = \
        first_applicable
    select_intentions: Callable[[Sequence[Any]], list[Any]] = round_robin
    chooser: Chooser | None = None

    def for_batch(self, minds: list[Any], library: Any) -> Policy:
        """This policy with the registered chooser prepared for the batch (none when the settings name their
        own ``option`` function, or for an empty batch)."""
        if self.select_option is not first_applicable or not minds or not _FACTORIES:
            return self
        return replace(self, chooser=_FACTORIES[-1](minds, library))


def policy_from_settings() -> Policy:
    """The policy the settings name (``MABOS_REASONING_SELECTION``), Jason's defaults for what they do not."""
    names = getattr(settings, "MABOS_REASONING_SELECTION", None) or {}
    chosen = {f"select_{kind}" if kind != "intention" else "select_intentions": import_string(path)
              for kind, path in names.items()}
    return Policy(**chosen)
