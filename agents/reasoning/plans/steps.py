"""The walk that checks a plan body against the steps' schemas (``STEP_SCHEMAS``, step_schemas.py).

``walk_body`` checks a body against them, fills the defaults (so the stored form is the same whichever
way it was written), and hands back what ``document.py`` checks next: every expression with the names bound where
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
    PLAN_NESTING_MAX,
    PLAN_STEPS_MAX,
)
from agents.common.validation import check_json
from agents.protocols.transitions import (
    ACCEPT_PROPOSAL,
)
from agents.reasoning.actions.registry import action_step_check
from agents.reasoning.plans.step_schemas import EXPRESSION, RECIPIENT_MAX, STEP_SCHEMAS
from agents.reasoning.plans.text import canonical_expression, text_to_term
from agents.reasoning.plans.triggers import TRIGGER_ARGUMENTS, clean_trigger, clean_trigger_name
from mabos import storable
from mabos.errors import InvalidInput


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
