"""The steps of a plan body: one JSON schema per kind (RUNTIME.md §3), and the walk that checks a body.

The schemas are data (``STEP_SCHEMAS``, JSON Schema with ``x-mabos`` marks for what needs more than a
schema: an expression, a term, a recipient, a name a step binds, a nested list of steps). ``walk_body``
checks a body against them, fills the defaults (so the stored form is the same whichever way it was
written), and hands back what ``document.py`` checks next: every expression with the names bound where
it stands, every recipient, every belief the plan writes.

Values of step arguments are *terms*: any JSON value, in which an object with the single key ``"expr"``
(``{"expr": "Months * 2"}``) is computed when the step runs. An expression that is only a literal
(``{"expr": "3"}``) is stored as the literal.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group

from agents.common.errors import invalid
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
    PLAN_NESTING_MAX,
    PLAN_STEPS_MAX,
    PLAN_VARIABLE_REGEX,
    PLAN_WAIT_MAX_SECONDS,
    SHORT_TEXT,
)
from agents.common.validation import check_json
from agents.messaging.models import Performative
from agents.protocols.transitions import (
    ACCEPT_PROPOSAL,
    OPENINGS,
    PROTOCOL_RESPONSE_TIMEOUT,
    PROTOCOL_RESULT_TIMEOUT,
)
from agents.reasoning.actions.registry import action_step_check
from agents.reasoning.plans.text import canonical_expression, text_to_term
from agents.reasoning.plans.triggers import TRIGGER_ARGUMENTS, clean_trigger, clean_trigger_name
from mabos import storable
from mabos.errors import InvalidInput

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


@dataclass(frozen=True)
class Site:
    """Something ``walk_body`` leaves to ``document.py``: an expression, or a recipient to resolve."""

    path: str
    source: Any
    bound: frozenset[str]
    kind: str  # "expression", "recipient" or "plan" (a label a tell_how names)


@dataclass
class Walk:
    sites: list[Site] = field(default_factory=list)
    writes: set[str] = field(default_factory=set)  # belief keys the plan adds or replaces
    binds: set[str] = field(default_factory=set)  # every name a step binds, in any branch
    steps: int = 0


_TYPES = {"string": str, "object": dict, "array": list, "null": type(None), "boolean": bool}


def _type_ok(value: Any, kind: str) -> bool:
    if kind in ("number", "integer"):
        return isinstance(value, int | float) and not isinstance(value, bool) and \
            (kind == "number" or isinstance(value, int))
    return isinstance(value, _TYPES[kind])


def _check_schema(schema: dict[str, Any], value: Any, path: str) -> None:
    """The parts of JSON Schema the step schemas use; the first problem is a 400 naming ``path``."""
    if "const" in schema and value != schema["const"]:
        raise invalid(path, f"Must be {schema['const']!r}.")
    if "enum" in schema and value not in schema["enum"]:
        raise invalid(path, f"Must be one of {', '.join(map(str, schema['enum']))}.")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_type_ok(value, kind) for kind in kinds):
            raise invalid(path, f"Must be {' or '.join(kinds)}.")
    if isinstance(value, str):
        problem = storable.text_problem(value)
        if problem:
            raise invalid(path, problem)
        if len(value) < schema.get("minLength", 0):
            raise invalid(path, "This field may not be blank.")
        if len(value) > schema.get("maxLength", len(value)):
            raise invalid(path, f"At most {schema['maxLength']} characters.")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise invalid(path, schema.get("x-message", f"Does not match {schema['pattern']}."))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
            raise invalid(path, f"Must be more than {schema['exclusiveMinimum']}.")
        if "maximum" in schema and value > schema["maximum"]:
            raise invalid(path, f"At most {schema['maximum']}.")
    if isinstance(value, list) and len(value) > schema.get("maxItems", len(value)):
        raise invalid(path, f"At most {schema['maxItems']} items.")


def clean_expression(path: str, source: Any) -> str:
    _check_schema(EXPRESSION, source, path)
    source = canonical_expression(source)
    if not source:
        raise invalid(path, "This field may not be blank.")
    return source


def clean_term(path: str, value: Any, bound: frozenset[str], walk: Walk) -> Any:
    """A term as stored: strict JSON, literal expressions folded, each computed part left as a Site."""
    check_json(path, value)
    return _term(path, value, bound, walk)


def _term(path: str, value: Any, bound: frozenset[str], walk: Walk) -> Any:
    if isinstance(value, dict) and list(value) == ["expr"]:
        source = clean_expression(path, value["expr"])
        try:
            folded = text_to_term(source, field=path)
        except InvalidInput:
            folded = {"expr": source}  # not text-form syntax: the expression checker says why
        if not (isinstance(folded, dict) and list(folded) == ["expr"]):
            return _term(path, folded, bound, walk)  # a literal, or JSON with computed parts
        walk.sites.append(Site(path, folded["expr"], bound, "expression"))
        return folded
    if isinstance(value, dict):
        return {key: _term(f"{path}.{key}", item, bound, walk) for key, item in value.items()}
    if isinstance(value, list):
        return [_term(f"{path}[{index}]", item, bound, walk) for index, item in enumerate(value)]
    return value


def _recipient(path: str, value: Any, bound: frozenset[str], walk: Walk, *, many: bool = True) -> Any:
    if isinstance(value, str):
        if not value.strip() or len(value) > RECIPIENT_MAX:
            raise invalid(path, f"Name an agent by slug or id (at most {RECIPIENT_MAX} characters).")
        walk.sites.append(Site(path, value, bound, "recipient"))
        return value
    if isinstance(value, list) and many:
        if not value:
            raise invalid(path, "Name at least one recipient.")
        return [_recipient(f"{path}[{index}]", item, bound, walk, many=False) for index, item in enumerate(value)]
    if isinstance(value, dict) and list(value) == ["expr"]:
        term = clean_term(path, value, bound, walk)
        if isinstance(term, dict) and re.fullmatch(r"[a-z][A-Za-z0-9_]*", term.get("expr", "")):
            raise invalid(path, f"A bare lower-case name here is an agent's slug; write {term['expr']!r} as a string, "
                                f"or belief({term['expr']!r}) for the agent a belief names.")
        return term
    raise invalid(path, 'Must be an agent\'s slug or id, an {"expr": ...} giving one, or a list of those.')


def walk_body(body: Any, *, path: str, bound: frozenset[str], walk: Walk, depth: int = 0) -> tuple[list, frozenset]:
    """``body`` checked and completed, and the names bound after it (``if`` keeps what both branches bind)."""
    if not isinstance(body, list):
        raise invalid(path, "Must be a list of steps.")
    out = []
    for index, step in enumerate(body):
        walk.steps += 1
        if walk.steps > PLAN_STEPS_MAX:
            raise invalid(f"{path}[{index}]", f"A plan has at most {PLAN_STEPS_MAX} steps, counting nested ones.")
        cleaned, bound = _walk_step(step, f"{path}[{index}]", bound, walk, depth)
        out.append(cleaned)
    return out, bound


def _walk_step(step: Any, path: str, bound: frozenset[str], walk: Walk, depth: int) -> tuple[dict, frozenset]:
    if not isinstance(step, dict):
        raise invalid(path, "Must be an object with a kind.")
    kind = step.get("kind")
    if kind not in STEP_SCHEMAS:
        raise invalid(f"{path}.kind", f"Unknown step kind {kind!r}; the kinds are {', '.join(STEP_SCHEMAS)}.")
    schema = STEP_SCHEMAS[kind]
    properties = schema["properties"]
    unknown = sorted(set(step) - set(properties))
    if unknown:
        raise invalid(f"{path}.{unknown[0]}", f"{_a(kind)} step has no {unknown[0]}.")
    for name in schema["required"]:
        if name not in step:
            raise invalid(f"{path}.{name}", f"{_a(kind)} step needs {name}.")
    out: dict[str, Any] = {"kind": kind}
    binds: list[tuple[str, str]] = []
    after = bound
    for name, rule in properties.items():
        if name == "kind":
            continue
        where = f"{path}.{name}"
        value = step[name] if name in step else copy.deepcopy(rule.get("default"))
        mark = rule.get("x-mabos")
        if mark == "steps":
            if depth + 1 > PLAN_NESTING_MAX:
                raise invalid(where, f"if inside if goes at most {PLAN_NESTING_MAX} deep.")
            out[name], branch = walk_body(value, path=where, bound=bound, walk=walk, depth=depth + 1)
            after = branch if name == "then" else after & branch
            continue
        _check_schema(rule, value, where)
        if mark == "expression":
            value = clean_expression(where, value)
            if kind == "constraint" and value[0] in "+-":
                value = f"({value})"  # in the text form a step opening with a sign is a belief step
            walk.sites.append(Site(where, value, bound, "expression"))
        elif mark == "term":
            value = clean_term(where, value, bound, walk)
        elif mark == "recipient":
            value = _recipient(where, value, bound, walk)
        elif mark == "plan":
            walk.sites.append(Site(where, value, bound, "plan"))
        elif mark == "trigger" and value is not None:
            value = clean_trigger(where, value)
        elif mark == "binds" and value is not None:
            binds.append((where, value))
        elif "items" in rule and isinstance(value, list):
            value = _items(where, rule["items"], value, bound, walk, binds)
        out[name] = value
    if kind == "if":
        after = bound | after
    walk.binds.update(name for _, name in binds if name != "_")
    if kind in ("add_belief", "replace_belief"):
        walk.writes.add(out["belief"])
    if kind == "wait":
        _check_wait(path, out)
    if kind == "ask_approval":
        _check_approval(path, out)
    if kind == "start_protocol" and isinstance(out["to"], list) and out["protocol"] not in ("cfp", ACCEPT_PROPOSAL):
        raise invalid(f"{path}.to", "A protocol run has one participant: name one agent.")
    if kind == "action":
        action_step_check(path, out)  # a registered action; the args the plan writes fit its schema
    return out, _bind(after, binds)


def _items(path: str, rule: dict[str, Any], values: list, bound: frozenset[str], walk: Walk,
           binds: list[tuple[str, str]]) -> list:
    out = []
    for index, item in enumerate(values):
        where = f"{path}[{index}]"
        if rule.get("x-mabos") == "term":
            out.append(clean_term(where, item, bound, walk))
            continue
        _check_schema(rule, item, where)
        if rule.get("x-mabos") == "binds":
            binds.append((where, item))
        out.append(item)
    return out


def body_in_order(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stored body with each step's keys in its schema's order (jsonb keeps keys in an order of its own)."""
    out = []
    for step in body:
        properties = STEP_SCHEMAS.get(step.get("kind"), {}).get("properties", step)
        ordered = {name: step[name] for name in properties if name in step}
        ordered.update({name: value for name, value in step.items() if name not in ordered})
        for branch in ("then", "else"):
            if isinstance(ordered.get(branch), list):
                ordered[branch] = body_in_order(ordered[branch])
        out.append(ordered)
    return out


def _a(kind: str) -> str:
    return f"{'An' if kind[0] in 'aeiou' else 'A'} {kind}"


def _check_wait(path: str, step: dict[str, Any]) -> None:
    if step["event"] is None and step["timeout"] is None:
        raise invalid(path, "A wait step needs an event, a timeout, or both.")
    if step["event"] is None and step["args"]:
        raise invalid(f"{path}.args", "Only a wait for an event binds names.")
    if step["event"] is not None:
        shape = TRIGGER_ARGUMENTS[step["event"]["kind"]]
        if shape is not None and len(step["args"]) > len(shape):
            raise invalid(f"{path}.args", f"A {step['event']['kind']} event has {len(shape)} argument(s): "
                                          f"{', '.join(shape)}.")


def _check_approval(path: str, step: dict[str, Any]) -> None:
    """``of`` names ``operators`` or a user role that exists (a Django group), so a gate nobody may pass is a
    400 when the plan is saved, not a request no one can decide."""
    # The gate's name is the name of its ^approval:name trigger: cleaned the same way, so a plan can match it.
    step["name"] = clean_trigger_name(f"{path}.name", "approval", step["name"])
    if step["of"] != "operators" and not Group.objects.filter(name=step["of"]).exists():
        raise invalid(f"{path}.of", f"No user role named {step['of']!r}; name one, or operators.")


def _bind(bound: frozenset[str], binds: list[tuple[str, str]]) -> frozenset[str]:
    names = set(bound)
    for where, name in binds:
        if name in names and name != "_":
            raise invalid(where, f"{name} is already bound here; choose another name.")
        names.add(name)
    return frozenset(names - {"_"})
