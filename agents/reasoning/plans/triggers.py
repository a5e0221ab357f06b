"""Triggers: which events a plan is relevant to, and what it binds from them.

The kinds are Jason's triggering events (``+!g``, ``-!g``, ``+?b``, ``+b``, ``-b``) plus MABOS's own
(a message, an approval, an action's result, a timer, a protocol run's call for a decision). A trigger
names what it matches: the goal or belief, the message's performative (with an optional ontology and
protocol), the approval, the action, the timer or the run's moment (``all_responses``). Its ``args``
bind the event's positional arguments, in order: ``TRIGGER_ARGUMENTS`` says what they
are for the kinds whose events have a fixed shape (the cycle passes them in that order).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from agents.common.errors import invalid
from agents.common.limits import NAME_MAX, SHORT_TEXT
from agents.common.validation import check_belief_key, check_text
from agents.messaging.models import Performative


class TriggerKind(models.TextChoices):
    GOAL_ADDED = "goal_added", "+!goal: a goal was adopted"
    GOAL_FAILED = "goal_failed", "-!goal: a goal failed (recovery)"
    TEST_GOAL = "test_goal", "+?belief: a test found no belief"
    BELIEF_ADDED = "belief_added", "+belief: a belief was added"
    BELIEF_REMOVED = "belief_removed", "-belief: a belief was removed"
    MESSAGE = "message", "a message arrived"
    APPROVAL = "approval", "a person decided on an approval"
    ACTION_RESULT = "action_result", "an action's result came back"
    TIMER = "timer", "a timer fired"
    PROTOCOL = "protocol", "a protocol run waits for the plan's decision"


#: What the event's positional arguments are, for kinds with a fixed shape; None: the goal's own
#: arguments (``+!g(X, Y)`` binds the arguments the goal was adopted with).
TRIGGER_ARGUMENTS: dict[str, tuple[str, ...] | None] = {
    TriggerKind.GOAL_ADDED: None,
    TriggerKind.GOAL_FAILED: None,
    TriggerKind.TEST_GOAL: None,
    TriggerKind.BELIEF_ADDED: ("value",),
    TriggerKind.BELIEF_REMOVED: ("value",),
    TriggerKind.MESSAGE: ("content", "sender", "conversation"),
    TriggerKind.APPROVAL: ("decision", "note"),
    TriggerKind.ACTION_RESULT: ("result", "error"),
    TriggerKind.TIMER: ("payload",),
    TriggerKind.PROTOCOL: ("responses",),
}

#: The names a ``^protocol:`` trigger may have: the moments a run asks its initiator's plans to decide.
#: ``all_responses``: a Contract-Net call closed with proposals and no intention waits on it.
PROTOCOL_TRIGGER_NAMES = ("all_responses",)

#: Kinds whose name is a belief key (``BELIEF_KEY_REGEX``); the others take any short name.
BELIEF_KINDS = frozenset({TriggerKind.TEST_GOAL, TriggerKind.BELIEF_ADDED, TriggerKind.BELIEF_REMOVED})
GOAL_KINDS = frozenset({TriggerKind.GOAL_ADDED, TriggerKind.GOAL_FAILED})


def clean_trigger(path: str, trigger: Any) -> dict[str, Any]:
    """A trigger as stored: ``{"kind", "name"}``, or ``{"kind": "message", "performative", "ontology"?,
    "protocol"?}`` (an empty ontology or protocol is left out: it matches any)."""
    if not isinstance(trigger, dict):
        raise invalid(path, "Must be an object with a kind.")
    kind = trigger.get("kind")
    if kind not in TriggerKind.values:
        raise invalid(f"{path}.kind", f"Must be one of {', '.join(TriggerKind.values)}.")
    allowed = {"kind", "performative", "ontology", "protocol"} if kind == TriggerKind.MESSAGE else {"kind", "name"}
    unknown = sorted(set(trigger) - allowed)
    if unknown:
        raise invalid(f"{path}.{unknown[0]}", f"A {kind} trigger has no {unknown[0]}.")
    if kind == TriggerKind.MESSAGE:
        performative = trigger.get("performative")
        if performative not in Performative.values:
            raise invalid(f"{path}.performative", f"Must be one of {', '.join(Performative.values)}.")
        out: dict[str, Any] = {"kind": kind, "performative": performative}
        for qualifier in ("ontology", "protocol"):
            value = trigger.get(qualifier, "")
            if not isinstance(value, str):
                raise invalid(f"{path}.{qualifier}", "Must be a string.")
            value = check_text(f"{path}.{qualifier}", value, max_length=SHORT_TEXT, required=False)
            if value:
                out[qualifier] = value
        return out
    return {"kind": kind, "name": clean_trigger_name(f"{path}.name", kind, trigger.get("name"))}


def clean_trigger_name(path: str, kind: str, name: Any) -> str:
    if not isinstance(name, str):
        raise invalid(path, "Must be a string.")
    if kind in BELIEF_KINDS:
        return check_belief_key(path, name)
    if kind == TriggerKind.PROTOCOL and name not in PROTOCOL_TRIGGER_NAMES:
        raise invalid(path, f"A protocol trigger is one of: {', '.join(PROTOCOL_TRIGGER_NAMES)}.")
    return check_text(path, name, max_length=min(NAME_MAX, SHORT_TEXT))


def trigger_columns(trigger: dict[str, Any]) -> dict[str, str]:
    """The columns of ``PlanVersion`` that hold a cleaned trigger (the performative is its name)."""
    return {"trigger_kind": trigger["kind"],
            "trigger_name": trigger.get("performative") or trigger.get("name", ""),
            "trigger_ontology": trigger.get("ontology", ""), "trigger_protocol": trigger.get("protocol", "")}


def trigger_of(kind: str, name: str, ontology: str = "", protocol: str = "") -> dict[str, Any]:
    """The stored trigger again, from its columns."""
    if kind != TriggerKind.MESSAGE:
        return {"kind": kind, "name": name}
    out = {"kind": kind, "performative": name}
    if ontology:
        out["ontology"] = ontology
    if protocol:
        out["protocol"] = protocol
    return out


def max_arguments(kind: str) -> int | None:
    """How many names a trigger of ``kind`` may bind (None: as many as the goal has, up to PLAN_ARGS_MAX)."""
    shape = TRIGGER_ARGUMENTS[kind]
    return None if shape is None else len(shape)
