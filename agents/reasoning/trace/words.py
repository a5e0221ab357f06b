"""A cycle's trace row in words: what a person reads to learn why an agent did what it did.

``trace_words(row)`` turns one ``CycleTrace`` into sentences, in the order the cycle worked::

    took event goal_added keep_runway (from user alice)
    chose plan `cut_costs` v2 because `cash < 3 * monthly_costs` held (first applicable in source order)
    skipped `raise_prices`: context false
    skipped `x`: context failed (name 'y' is neither bound nor a belief)
    ran `send` at body[1] of `cut_costs`: sent inform to cfo

A pure function of the row's JSON (no queries, no clock), so the API's list and the admin's agent page can
word a page of rows for free, and a row reads the same in a year as today. It never fails on what it is
given: a key missing (an older row, a cycle that records less) leaves its part out, and a value of the
wrong type is shown as text.

The shapes it reads, which the cycle writes (agents/reasoning/trace/models.py says the same in short):

- ``event``: the event the cycle took, or null when it only advanced intentions::

      {"id": 41, "kind": "goal_added", "name": "keep_runway",
       "source": {"kind": "user", "id": "7", "name": "alice"}}

  ``kind``: an ``EventKind``. ``name``: what the event is about (the goal's name, the belief's key, the
  message's performative, the action's name). ``source``: who caused it, as the event's ``source``,
  ``source_id`` and ``source_name`` (``kind`` one of ``user``, ``agent``, ``system``, ``message``; for a
  message, ``name`` is the sender's name); a plain text is shown as it is.

- ``options``: every relevant plan, in the order considered::

      [{"plan": "<plan id>", "label": "cut_costs", "version": 2, "context": "cash < 3 * monthly_costs",
        "held": true, "reason": ""}, ...]

  ``version``: the version *number*. ``held``: true (the context held: applicable), false (it did not), or
  null (not evaluated). ``reason``: with ``held`` false, empty when the context was false and the
  expression's failure message when it failed (``ExpressionFailed.message``); with ``held`` true, why this
  applicable plan was not the one chosen (may be empty); with ``held`` null, why it was not evaluated.

- ``choice``: the plan chosen, or null when none was::

      {"plan": "<plan id>", "label": "cut_costs", "version": 2, "why": "first applicable in source order"}

  With no choice and an event: "no relevant plan" (``options`` empty) or "no applicable plan"; for a
  ``goal_added`` event, the goal failed (``no_applicable``).

- ``steps``: every step the cycle ran, in order::

      [{"intention": "<intention id>", "label": "cut_costs", "version": 2, "path": "body[1]", "kind": "send",
        "result": "ok", "detail": "sent inform to cfo"}, ...]

  ``path``: as ``pc_path`` writes it (a ``pc`` list is accepted too). ``result``: ``ok``, ``failed``,
  ``waiting``, ``achieved``, ``dropped`` or another word, shown as it is. ``detail``: what the step did, in
  a few words (with ``ok``), or why it failed or what it waits for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.reasoning.intentions.frames import pc_path

#: Event kinds whose missing plan fails a goal (Jason: a +!g with no applicable plan fails g).
GOAL_EVENTS = frozenset({"goal_added"})


def trace_words(row: Any) -> list[str]:
    """The sentences of one trace row (a ``CycleTrace``, or a mapping with its JSON fields)."""
    get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name, None)
    event, options, choice, steps = get("event"), get("options"), get("choice"), get("steps")
    options = [entry for entry in options if isinstance(entry, Mapping)] if isinstance(options, list) else []
    steps = [entry for entry in steps if isinstance(entry, Mapping)] if isinstance(steps, list) else []
    choice = choice if isinstance(choice, Mapping) else None
    words: list[str] = []
    if isinstance(event, Mapping):
        words.append(event_words(event))
    elif event is not None:
        words.append(f"took event {_text(event)}")
    chosen = _chosen_option(choice, options) if choice else None
    if choice:
        words.append(_choice_words(choice, chosen))
    for entry in options:
        if entry is not chosen:
            words.append(_skipped_words(entry))
    if choice is None and (event is not None or options):
        words.append(_no_choice_words(event, options))
    words.extend(step_words(step) for step in steps)
    return words or ["nothing to do"]


def event_words(event: Mapping[str, Any]) -> str:
    kind = _text(event.get("kind")) or "an event"
    name = _text(event.get("name"))
    source = _source_words(event.get("source"))
    return f"took event {kind}" + (f" {name}" if name else "") + (f" ({source})" if source else "")


def _source_words(source: Any) -> str:
    if isinstance(source, Mapping):
        kind, who = _text(source.get("kind")), _text(source.get("name")) or _text(source.get("id"))
        if kind == "message":
            return f"in a message from {who}" if who else "in a message"
        return f"from {' '.join(part for part in (kind, who) if part)}" if kind or who else ""
    return f"from {_text(source)}" if source not in (None, "") else ""


def _chosen_option(choice: Mapping[str, Any], options: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The option the choice names: by plan id, else by label (and version when both have one)."""
    plan = choice.get("plan")
    for entry in options:
        if plan is not None and entry.get("plan") == plan:
            return entry
    for entry in options:
        if plan is None and entry.get("label") == choice.get("label") \
                and choice.get("version") in (None, entry.get("version")):
            return entry
    return None


def _plan_name(entry: Mapping[str, Any], *, version: bool) -> str:
    label = _text(entry.get("label")) or _text(entry.get("plan")) or "?"
    number = entry.get("version")
    return f"`{label}`" + (f" v{number}" if version and number not in (None, "") else "")


def _choice_words(choice: Mapping[str, Any], chosen: Mapping[str, Any] | None) -> str:
    if chosen is None and all(choice.get(key) in (None, "") for key in ("plan", "label")) and choice.get("why"):
        # No plan was chosen, and the choice says why: a protocol took the message, a goal waits for a plan.
        return f"no plan: {_text(choice.get('why'))}"
    text = f"chose plan {_plan_name(choice, version=True)}"
    if chosen is not None:
        context = _text(chosen.get("context"))
        text += f" because `{context}` held" if context else ", which has no context (always applicable)"
    why = _text(choice.get("why"))
    return text + (f" ({why})" if why else "")


def _skipped_words(entry: Mapping[str, Any]) -> str:
    held, reason = entry.get("held"), _text(entry.get("reason"))
    if held is False:
        because = f"context failed ({reason})" if reason else "context false"
    elif held is True:
        because = "applicable, not chosen" + (f" ({reason})" if reason else "")
    else:
        because = reason or "not evaluated"
    return f"skipped {_plan_name(entry, version=False)}: {because}"


def _no_choice_words(event: Any, options: list[Mapping[str, Any]]) -> str:
    text = "no applicable plan" if options else "no relevant plan"
    kind = _text(event.get("kind")) if isinstance(event, Mapping) else ""
    if kind not in GOAL_EVENTS:
        return text
    return text + (": the goal failed (no_applicable)" if options else ": the goal waits for a plan")


def step_words(step: Mapping[str, Any]) -> str:
    """``ran `send` at body[1] of `cut_costs`: sent inform to cfo``."""
    kind, label, path = _text(step.get("kind")), _text(step.get("label")), step.get("path")
    path = pc_path(path) if isinstance(path, list | tuple) else _text(path)
    text = f"ran `{kind}`" if kind else "ran a step"
    text += (f" at {path}" if path else "") + (f" of `{label}`" if label else "")
    result, detail = _text(step.get("result")), _text(step.get("detail"))
    if result in ("", "ok"):
        return text + (f": {detail}" if detail else "")
    return text + f": {result}" + (f" ({detail})" if detail else "")


def _text(value: Any) -> str:
    """A value as it reads in a sentence: text as it is, anything else as its str (None: nothing)."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)
