"""A plan document: the JSON the API stores and returns, cleaned and checked in one place.

    {"label": "cut_costs", "trigger": {"kind": "goal_added", "name": "keep_runway"}, "args": ["Months"],
     "context": "cash < 3 * monthly_costs", "body": [{"kind": "achieve", "goal": "cut_costs", "args": []}],
     "atomic": false, "source_order": 3,
     "learning": {"reward": "Revenue / 1000", "cost": "", "features": {"segment": "belief('segment', 'smb')"}}}

``document_clean`` is what every door calls (through the services): the shape (triggers.py, steps.py),
then every expression through ``compile_expression`` with the names bound where it stands, then the names
the scope must know (references.py), then the text form: a stored plan always prints as text that reads
back to the same JSON. The first problem is a 400 naming its path (``body[3].to``, ``context``), and the
cleaned document is the stored form: defaults filled in, whitespace of expressions made canonical.
"""

from __future__ import annotations

import re
from typing import Any

from agents.common.errors import invalid
from agents.common.limits import (
    PLAN_ARGS_MAX,
    PLAN_FEATURE_KEY_REGEX,
    PLAN_FEATURES_MAX,
    PLAN_LABEL_REGEX,
    PLAN_ORDER_MAX,
    PLAN_VARIABLE_REGEX,
)
from agents.common.validation import check_json
from agents.reasoning.expressions import compile_expression
from agents.reasoning.plans.models import learning_of
from agents.reasoning.plans.references import PlanScope
from agents.reasoning.plans.steps import Site, Walk, clean_expression, walk_body
from agents.reasoning.plans.text import plan_to_text, text_to_plans
from agents.reasoning.plans.triggers import BELIEF_KINDS, clean_trigger, max_arguments
from mabos.errors import InvalidInput

DOCUMENT_FIELDS = ("label", "trigger", "args", "context", "body", "atomic", "source_order", "learning")
LEARNING_FIELDS = ("reward", "cost", "features")
#: Every context key of learning holds these already (docs/reasoning.md, Plans): no plan may name them.
RESERVED_FEATURES = ("organization", "role")
_VARIABLE = re.compile(PLAN_VARIABLE_REGEX)
_LABEL = re.compile(PLAN_LABEL_REGEX)
_FEATURE_KEY = re.compile(PLAN_FEATURE_KEY_REGEX)


def document_clean(document: Any, *, scope: PlanScope) -> dict[str, Any]:
    """``document`` as stored, or a 400 naming the first problem's path. ``label`` and ``source_order`` may
    stay None: the service picks them (a free label from the trigger, the next order in the scope)."""
    if not isinstance(document, dict):
        raise invalid("document", "A plan must be a JSON object.")
    unknown = sorted(set(document) - set(DOCUMENT_FIELDS))
    if unknown:
        raise invalid(unknown[0], f"A plan has no {unknown[0]}; its fields are {', '.join(DOCUMENT_FIELDS)}.")
    if "trigger" not in document:
        raise invalid("trigger", "A plan needs a trigger.")
    label = document.get("label")
    if label is not None and (not isinstance(label, str) or not _LABEL.match(label)):
        raise invalid("label", "Use letters, digits and _ (starting with a letter or _), at most 100 characters.")
    trigger = clean_trigger("trigger", document["trigger"])
    args = _clean_args(document.get("args", []), trigger["kind"])
    bound = frozenset(args) - {"_"}
    walk = Walk()
    context = document.get("context", "")
    # Blank means "always": ASCII whitespace only, as canonical_expression; a lone U+2028 goes on to be refused.
    if context is None or (isinstance(context, str) and not context.strip(" \t\n\r\f\v")):
        context = ""
    else:
        context = clean_expression("context", context)
        walk.sites.append(Site("context", context, bound, "expression"))
    body = document.get("body", [])
    check_json("body", body)
    body, _ = walk_body(body, path="body", bound=bound, walk=walk)
    learning = _clean_learning(document.get("learning"), bound=bound, walk=walk)
    atomic = document.get("atomic", False)
    if not isinstance(atomic, bool):
        raise invalid("atomic", "Must be true or false.")
    order = document.get("source_order")
    whole = isinstance(order, int) and not isinstance(order, bool)
    if order is not None and not (whole and 0 <= order <= PLAN_ORDER_MAX):
        raise invalid("source_order", f"Must be a whole number from 0 to {PLAN_ORDER_MAX}.")
    cleaned = {"label": label, "trigger": trigger, "args": args, "context": context, "body": body,
               "atomic": atomic, "source_order": order, "learning": learning}
    _check_names(walk, trigger, scope, label)
    _check_text_form(cleaned)
    return cleaned


def _clean_args(args: Any, kind: str) -> list[str]:
    if not isinstance(args, list):
        raise invalid("args", "Must be a list of names (Capitalized, as Jason's variables).")
    most = max_arguments(kind)
    if len(args) > (PLAN_ARGS_MAX if most is None else most):
        raise invalid("args", f"A {kind} trigger binds at most {PLAN_ARGS_MAX if most is None else most} name(s).")
    seen: set[str] = set()
    for index, name in enumerate(args):
        if not isinstance(name, str) or not _VARIABLE.match(name):
            raise invalid(f"args[{index}]", "A bound name is Capitalized, as Jason's variables (Months, _Cost).")
        if name in seen and name != "_":
            raise invalid(f"args[{index}]", f"{name} is bound twice.")
        seen.add(name)
    return list(args)


def _clean_learning(learning: Any, *, bound: frozenset[str], walk: Walk) -> dict[str, Any]:
    """How learning judges the plan: reward and cost when its frame succeeds (the trigger's names and every
    name the body binds, in any branch), features when it is selected (the trigger's names only)."""
    if learning is None:
        return learning_of({})
    if not isinstance(learning, dict):
        raise invalid("learning", 'Must be an object: {"reward": "...", "cost": "...", "features": {...}}.')
    unknown = sorted(set(learning) - set(LEARNING_FIELDS), key=str)
    if unknown:
        raise invalid(f"learning.{unknown[0]}", f"learning has no {unknown[0]}; its fields are "
                                                f"{', '.join(LEARNING_FIELDS)}.")
    check_json("learning", learning)
    finished = bound | frozenset(walk.binds)
    out: dict[str, Any] = {name: _learning_expression(f"learning.{name}", learning.get(name), finished, walk)
                           for name in ("reward", "cost")}
    features = learning.get("features")
    features = {} if features is None else features
    if not isinstance(features, dict):
        raise invalid("learning.features", 'Must be an object of feature: expression ({"segment": "..."}).')
    if len(features) > PLAN_FEATURES_MAX:
        raise invalid("learning.features", f"At most {PLAN_FEATURES_MAX} features.")
    out["features"] = {}
    for key in sorted(features, key=str):
        if not isinstance(key, str) or not _FEATURE_KEY.match(key):
            raise invalid("learning.features", f"{key!r} is no feature key: lower-case letters, digits and _, "
                                               "starting with a letter, at most 40 characters.")
        if key in RESERVED_FEATURES:
            raise invalid(f"learning.features.{key}", f"{key} is in every context key already; name the feature "
                                                      "otherwise.")
        path = f"learning.features.{key}"
        out["features"][key] = clean_expression(path, features[key])
        walk.sites.append(Site(path, out["features"][key], bound, "expression"))
    return out


def _learning_expression(path: str, source: Any, bound: frozenset[str], walk: Walk) -> str:
    """Blank (or null) is none; else an expression, canonical as the context is."""
    if source is None or (isinstance(source, str) and not source.strip(" \t\n\r\f\v")):
        return ""
    source = clean_expression(path, source)
    walk.sites.append(Site(path, source, bound, "expression"))
    return source


def _check_names(walk: Walk, trigger: dict[str, Any], scope: PlanScope, label: str | None = None) -> None:
    """Every expression compiles; its variables are bound where it stands; its belief names are known; the
    plans it tells exist in its scope."""
    reads: list[tuple[str, str]] = []  # (path, belief key) in document order
    recipients: list[tuple[str, str]] = []
    told: list[tuple[str, str]] = []
    for site in walk.sites:
        if site.kind == "recipient":
            recipients.append((site.path, site.source))
            continue
        if site.kind == "plan":
            told.append((site.path, site.source))
            continue
        compiled = compile_expression(site.source, field=site.path, bound_names=site.bound)
        for name in sorted(compiled.names - site.bound):
            if name[0].isupper() or name[0] == "_":
                bound = ", ".join(sorted(site.bound)) or "no names"
                raise invalid(site.path, f"{name} is not bound here (the plan binds {bound} at this point); a "
                                         "Capitalized name is a variable, a belief is read by its lower-case key.")
            reads.append((site.path, name))
    own = set(walk.writes) | ({trigger["name"]} if trigger["kind"] in BELIEF_KINDS else set())
    known = scope.known_beliefs({name for _, name in reads} - own) | own
    for path, name in reads:
        if name not in known:
            hint = " (JSON's true, false and null are True, False and None in an expression)" \
                if name in ("true", "false", "null") else ""
            raise invalid(path, f"'{name}' is neither a name the plan binds nor a belief known in {scope.describe()}"
                                f"{hint}; read a belief that may not exist yet with belief('{name}', default).")
    unknown = scope.unknown_recipients({name for _, name in recipients})
    for path, name in recipients:
        if name in unknown:
            raise invalid(path, f"No recipient {name!r}. {scope.recipient_hint()}")
    unknown_plans = scope.unknown_plans({name for _, name in told} - {label})
    for path, name in told:
        if name in unknown_plans:
            raise invalid(path, f"No plan {name!r} in {scope.describe()} (or a role template its agents hold): "
                                "an agent tells only a plan it may use.")


def _check_text_form(document: dict[str, Any]) -> None:
    """A stored plan prints as text that reads back to itself; if not, name the part that does not."""
    if _reads_back(document):
        return
    path = _unwritable_path(document)
    raise invalid(path, "This cannot be written in the text form so that it reads back the same; rewrite it "
                        "(for instance 'a < -1' with spaces, not 'a<-1', which reads as the arrow <-).")


def _reads_back(document: dict[str, Any]) -> bool:
    try:
        return text_to_plans(plan_to_text(document)) == [document]
    except InvalidInput:
        return False


def _unwritable_path(document: dict[str, Any]) -> str:
    bare = {**document, "context": "", "body": [], "learning": learning_of({})}
    if not _reads_back({**bare, "context": document["context"]}):
        return "context" if _reads_back(bare) else "trigger"
    learning = document["learning"]
    if not _reads_back({**bare, "learning": learning}):
        parts = [(f"learning.{name}", {**bare["learning"], name: learning[name]}) for name in ("reward", "cost")]
        parts += [(f"learning.features.{key}", {**bare["learning"], "features": {key: value}})
                  for key, value in learning["features"].items()]
        return next((path for path, part in parts if not _reads_back({**bare, "learning": part})), "learning")
    return _unwritable_step(bare, document["body"], "body") or "body"


def _unwritable_step(bare: dict[str, Any], steps: list[dict[str, Any]], path: str) -> str:
    for index, step in enumerate(steps):
        where = f"{path}[{index}]"
        if _reads_back({**bare, "body": [step]}):
            continue
        if step["kind"] != "if":
            return where
        if not _reads_back({**bare, "body": [{**step, "then": [], "else": []}]}):
            return f"{where}.condition"
        for branch in ("then", "else"):
            inner = _unwritable_step(bare, step[branch], f"{where}.{branch}")
            if inner:
                return inner
        return where
    return ""
