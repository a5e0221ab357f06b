"""The JSON schema of every kind of plan step (RUNTIME.md §3): data, read by the body's walk (steps.py).

JSON Schema with ``x-mabos`` marks for what needs more than a schema: an expression, a term, a recipient, a
name a step binds, a nested list of steps (docs/reasoning.md, "Steps").
"""

from __future__ import annotations

from typing import Any

from agents.common.limits import (
    ACTION_NAME_MAX,
    ACTION_NAME_REGEX,
    APPROVAL_TIMEOUT_DEFAULT_SECONDS,
    BELIEF_KEY_REGEX,
    EXPRESSION_MAX_CHARS,
    NAME_MAX,
    PLAN_ARGS_MAX,
    PLAN_LABEL_MAX,
    PLAN_LABEL_REGEX,
    PLAN_VARIABLE_REGEX,
    PLAN_WAIT_MAX_SECONDS,
    SHORT_TEXT,
)
from agents.messaging.models import Performative
from agents.protocols.transitions import (
    ACCEPT_PROPOSAL,
    OPENINGS,
    PROTOCOL_RESPONSE_TIMEOUT,
    PROTOCOL_RESULT_TIMEOUT,
)

#: A Django group's name (auth.Group.name): the user roles an ``ask_approval`` may be asked of.
GROUP_NAME_MAX = 150

EXPRESSION = {"type": "string", "minLength": 1, "maxLength": EXPRESSION_MAX_CHARS, "x-mabos": "expression",
              "description": "An expression (docs/reasoning.md, Expressions) over beliefs and bound names."}
TERM = {"x-mabos": "term", "description": 'Any JSON value; an object {"expr": "..."} inside it is computed.'}
VARIABLE = {"type": "string", "pattern": PLAN_VARIABLE_REGEX, "x-mabos": "binds",
            "description": "A name to bind (Capitalized, as Jason's variables).",
            "x-message": "A bound name is Capitalized, as Jason's variables (Months, _Cost)."}
MAYBE_VARIABLE = {**VARIABLE, "type": ["string", "null"], "default": None}
GOAL = {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "description": "A goal's name."}
BELIEF = {"type": "string", "pattern": BELIEF_KEY_REGEX, "description": "A belief's key.",
          "x-message": "A belief key: letters, digits and _ . : - (starting with a letter, digit or _)."}
STEPS = {"type": "array", "x-mabos": "steps", "items": {"$ref": "#/$defs/step"}}
#: A slug or id, or ``group:`` and a group's name (NAME_MAX).
RECIPIENT_MAX = NAME_MAX + len("group:")
RECIPIENT = {"x-mabos": "recipient",
             "description": "An agent of the plan's organization by slug or id (a role's slug in a role template's "
                            'plan), role:<slug> (every agent holding the role), group:<name> (a group\'s leader '
                            'and members), an {"expr": ...} giving one, or a list of those.'}
SHORT = {"type": "string", "maxLength": SHORT_TEXT, "default": ""}
PLAN_LABEL = {"type": "string", "pattern": PLAN_LABEL_REGEX, "maxLength": PLAN_LABEL_MAX, "x-mabos": "plan",
              "description": "A plan's label the sender may use (its organization's or its role template's).",
              "x-message": "A plan's label: letters, digits and _ (starting with a letter or _)."}
ACTION_NAME = {"type": "string", "pattern": ACTION_NAME_REGEX, "maxLength": ACTION_NAME_MAX,
               "x-message": "An action's name: lower-case words joined by dots (crm.create_lead)."}
ERROR_CODE = {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$", "maxLength": SHORT_TEXT, "default": "failed",
              "x-message": "An error code: a lower-case word (over_budget)."}


def _step(kind: str, properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": {"kind": {"const": kind}, **properties},
            "required": ["kind", *required], "additionalProperties": False}


_GOAL_STEP = {"goal": GOAL, "args": {"type": "array", "items": TERM, "maxItems": PLAN_ARGS_MAX, "default": []}}

STEP_SCHEMAS: dict[str, dict[str, Any]] = {
    "achieve": _step("achieve", _GOAL_STEP, ("goal",)),
    "achieve_new": _step("achieve_new", _GOAL_STEP, ("goal",)),
    "test": _step("test", {"belief": BELIEF, "bind": MAYBE_VARIABLE}, ("belief",)),
    "add_belief": _step("add_belief", {"belief": BELIEF, "value": {**TERM, "default": True}}, ("belief",)),
    "remove_belief": _step("remove_belief", {"belief": BELIEF}, ("belief",)),
    "replace_belief": _step("replace_belief", {"belief": BELIEF, "value": TERM}, ("belief", "value")),
    "constraint": _step("constraint", {"condition": EXPRESSION}, ("condition",)),
    "send": _step("send", {"to": RECIPIENT, "performative": {"enum": Performative.values},
                           "content": {**TERM, "default": None}, "ontology": SHORT, "protocol": SHORT},
                  ("to", "performative")),
    "tell_how": _step("tell_how", {"to": {**RECIPIENT, "description": "A member of a group the sender is in (by "
                                                                      "slug or id, an {\"expr\": ...}, or a list)."},
                                   "plan": PLAN_LABEL}, ("to", "plan")),
    "action": _step("action", {"name": ACTION_NAME,
                               "args": {**TERM, "type": "object", "default": {}}, "bind": MAYBE_VARIABLE},
                    ("name",)),
    "start_protocol": _step("start_protocol", {
        "protocol": {"enum": [*OPENINGS, ACCEPT_PROPOSAL],
                     "description": "The opening act: request (FIPA Request), query-if or query-ref (FIPA Query), "
                                    "subscribe (FIPA Subscribe: content {\"belief\": key}; resumes at the agree), "
                                    "cfp (Contract-Net); or accept-proposal, the decision on the Contract-Net "
                                    "run the plan resumed from."},
        "to": {**RECIPIENT, "description": "The participant: one agent (by slug or id, or an {\"expr\": ...}); "
                                           "for cfp and accept-proposal, a list, a group:<name> or a "
                                           "role:<slug> too."},
        "content": {**TERM, "default": None},
        "response_timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": PLAN_WAIT_MAX_SECONDS,
                             "default": PROTOCOL_RESPONSE_TIMEOUT, "description": "Seconds for agree / refuse."},
        "result_timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": PLAN_WAIT_MAX_SECONDS,
                           "default": PROTOCOL_RESULT_TIMEOUT,
                           "description": "Seconds for the result after an agree (never infinite)."},
        "bind": MAYBE_VARIABLE}, ("protocol", "to")),
    "cancel_protocol": _step("cancel_protocol", {
        "run": {**TERM, "default": None,
                "description": "The run to cancel: its id, or a cfp's bound result; null: the run of the "
                               "conversation the plan answers (a subscription's inform), else the "
                               "Contract-Net run the intention decides on."},
        "reason": {**TERM, "default": None, "description": "Why: the run's reason and the cancel's content."}}),
    "wait": _step("wait", {"event": {"x-mabos": "trigger", "type": ["object", "null"], "default": None},
                           "args": {"type": "array", "items": VARIABLE, "maxItems": PLAN_ARGS_MAX, "default": []},
                           "timeout": {"type": ["number", "null"], "exclusiveMinimum": 0,
                                       "maximum": PLAN_WAIT_MAX_SECONDS, "default": None,
                                       "description": "Seconds."},
                           "on_timeout": {"enum": ["fail", "continue"], "default": "fail"}}),
    "ask_approval": _step("ask_approval", {
        "name": {"type": "string", "minLength": 1, "maxLength": SHORT_TEXT,
                 "description": "The gate's name: its approval event is ^approval:name."},
        "question": {**TERM, "description": "What people are asked (text; computed when the step runs)."},
        "of": {"type": "string", "minLength": 1, "maxLength": GROUP_NAME_MAX, "default": "operators",
               "description": "Who may decide: operators (operate on the organization) or a user role's name."},
        "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": PLAN_WAIT_MAX_SECONDS,
                    "default": APPROVAL_TIMEOUT_DEFAULT_SECONDS, "description": "Seconds until it expires."},
        "bind": {**MAYBE_VARIABLE, "description": "A name bound to the approver's comment."}},
        ("name", "question")),
    "if": _step("if", {"condition": EXPRESSION, "then": STEPS, "else": {**STEPS, "default": []}},
                ("condition", "then")),
    "fail": _step("fail", {"error": ERROR_CODE,
                           "message": {**TERM, "default": None}}),
    "succeed": _step("succeed", {}),
    "drop": _step("drop", {}),
}
