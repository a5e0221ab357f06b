"""Hypothesis strategies for plan documents in their stored (canonical) form, for the text-form round trips.

What they generate is what ``document_clean`` stores: expressions with single spaces, terms whose computed
parts are not literals, a constraint that does not open with a sign, defaults filled in.
"""

from __future__ import annotations

import json
import keyword
import re

from hypothesis import strategies as st

from agents.messaging.models import Performative
from agents.reasoning.plans.text.printing import keywords

_RESERVED = set(keyword.kwlist) | {"true", "false", "null", "elif"} | set(keywords())

variables = st.from_regex(r"[A-Z][A-Za-z0-9_]{0,6}", fullmatch=True)
lower_names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda name: name not in _RESERVED)
belief_keys = st.one_of(lower_names, st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,10}", fullmatch=True))
#: Goal and trigger names: words, or any trimmed text (printed as a JSON string).
free_names = st.one_of(lower_names, st.text(min_size=1, max_size=12).map(str.strip).filter(
    lambda text: bool(text) and text.isprintable()))
labels = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
strings = st.text(max_size=12).filter(str.isprintable)
numbers = st.one_of(st.integers(min_value=-10**12, max_value=10**12),
                    st.floats(allow_nan=False, allow_infinity=False, width=64))

_OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", "and", "or", "in", "not in"]


def _atoms(names: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        names,
        st.integers(min_value=0, max_value=10**6).map(str),
        strings.map(lambda text: json.dumps(text, ensure_ascii=False)),
        st.tuples(belief_keys, st.integers(0, 9)).map(lambda pair: f"belief({json.dumps(pair[0])}, {pair[1]})"),
        belief_keys.map(lambda key: f"has({json.dumps(key)})"),
        st.sampled_from(["True", "False", "None", "now()"]),
    )


def _wrap(source: str) -> str:
    """An operand as Python needs it: a compound one in parentheses (``a + not b`` is no expression)."""
    return source if " " not in source or source.startswith(("(", "len(", "belief(", "abs(")) else f"({source})"


def _compound(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(_OPERATORS), children)
        .map(lambda t: f"{_wrap(t[0])} {t[1]} {_wrap(t[2])}"),
        children.map(lambda child: f"not {_wrap(child)}"),
        children.map(lambda child: f"({child})"),
        st.tuples(children, children, children).map(lambda t: f"({_wrap(t[0])} if {_wrap(t[1])} else {_wrap(t[2])})"),
        st.lists(children, max_size=3).map(lambda items: f"len([{', '.join(items)}])"),
        st.tuples(lower_names, st.integers(0, 5)).map(lambda pair: f"{pair[0]}[{pair[1]}]"),
        children.map(lambda child: f"abs(-{_wrap(child)})"),
    )


expressions = st.recursive(_atoms(st.one_of(variables, lower_names)), _compound, max_leaves=6)
#: A computed part of a term: mentions a name, so it is no literal (a literal is stored as itself).
computed = st.one_of(variables, st.tuples(variables, st.sampled_from(["+", "*", "<"]), expressions)
                     .map(lambda t: f"{t[0]} {t[1]} {_wrap(t[2])}"))
#: A constraint's condition never opens with a sign (the text form reads +b and -b as belief steps).
conditions = expressions.filter(lambda source: source[0] not in "+-")

json_leaves = st.one_of(st.none(), st.booleans(), numbers, strings)
terms = st.recursive(
    st.one_of(json_leaves, computed.map(lambda source: {"expr": source})),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(strings, children, max_size=3).filter(lambda d: list(d) != ["expr"])),
    max_leaves=8)
recipients = st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), variables.map(lambda v: {"expr": v}))
performatives = st.sampled_from(Performative.values)
qualifier_texts = st.text(min_size=1, max_size=8).map(str.strip).filter(lambda text: bool(text) and text.isprintable())


@st.composite
def triggers(draw: st.DrawFn) -> dict:
    kind = draw(st.sampled_from(["goal_added", "goal_failed", "test_goal", "belief_added", "belief_removed",
                                 "message", "approval", "action_result", "timer"]))
    if kind == "message":
        trigger = {"kind": kind, "performative": draw(performatives)}
        for qualifier in ("ontology", "protocol"):
            if draw(st.booleans()):
                trigger[qualifier] = draw(qualifier_texts)
        return trigger
    names = belief_keys if kind in ("test_goal", "belief_added", "belief_removed") else free_names
    return {"kind": kind, "name": draw(names)}


def _simple_steps() -> st.SearchStrategy[dict]:
    goal = st.fixed_dictionaries({"goal": free_names, "args": st.lists(terms, max_size=3)})
    return st.one_of(
        goal.map(lambda step: {"kind": "achieve", **step}),
        goal.map(lambda step: {"kind": "achieve_new", **step}),
        st.fixed_dictionaries({"kind": st.just("test"), "belief": belief_keys, "bind": st.none() | variables}),
        st.fixed_dictionaries({"kind": st.just("add_belief"), "belief": belief_keys, "value": terms}),
        st.fixed_dictionaries({"kind": st.just("remove_belief"), "belief": belief_keys}),
        st.fixed_dictionaries({"kind": st.just("replace_belief"), "belief": belief_keys, "value": terms}),
        st.fixed_dictionaries({"kind": st.just("constraint"), "condition": conditions}),
        st.fixed_dictionaries({"kind": st.just("send"),
                               "to": st.one_of(recipients, st.lists(recipients, min_size=1, max_size=3)),
                               "performative": performatives, "content": terms,
                               "ontology": st.just("") | qualifier_texts, "protocol": st.just("") | qualifier_texts}),
        st.fixed_dictionaries({"kind": st.just("action"),
                               "name": st.from_regex(r"[a-z][a-z0-9_]{0,5}(\.[a-z][a-z0-9_]{0,5}){0,2}", fullmatch=True),
                               "args": st.dictionaries(strings, terms, max_size=3).filter(lambda d: list(d) != ["expr"]),
                               "bind": st.none() | variables}),
        _waits(),
        st.fixed_dictionaries({"kind": st.just("ask_approval"), "name": free_names, "question": terms,
                               "of": st.just("operators") | st.from_regex(r"[a-z][a-z0-9 _-]{0,10}", fullmatch=True),
                               "timeout": st.just(86400) | st.integers(1, 3600) | st.floats(0.5, 3600.0),
                               "bind": st.none() | variables}),
        _start_protocols(),
        st.fixed_dictionaries({"kind": st.just("cancel_protocol"), "run": st.none() | terms,
                               "reason": st.none() | terms}),
        st.fixed_dictionaries({"kind": st.just("fail"), "error": st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
                               "message": terms}),
        st.just({"kind": "succeed"}),
        st.just({"kind": "drop"}),
    )


@st.composite
def _start_protocols(draw: st.DrawFn) -> dict:
    protocol = draw(st.sampled_from(["request", "query-if", "query-ref", "cfp", "accept-proposal"]))
    many = st.lists(recipients, min_size=1, max_size=3) if protocol in ("cfp", "accept-proposal") else st.nothing()
    step = {"kind": "start_protocol", "protocol": protocol, "to": draw(recipients | many), "content": draw(terms),
            "bind": draw(st.none() | variables)}
    seconds = st.integers(1, 3600) | st.floats(0.5, 3600.0)
    step["response_timeout"], step["result_timeout"] = draw(st.just((30, 300)) | st.tuples(seconds, seconds))
    return step


@st.composite
def _waits(draw: st.DrawFn) -> dict:
    event = draw(st.none() | triggers())
    timeout = draw(st.none() | st.integers(1, 3600) | st.floats(0.5, 3600.0)) if event else \
        draw(st.integers(1, 3600) | st.floats(0.5, 3600.0))
    args = draw(st.lists(variables, max_size=1, unique=True)) if event else []
    return {"kind": "wait", "event": event, "args": args, "timeout": timeout,
            "on_timeout": draw(st.sampled_from(["fail", "continue"]))}


steps = st.recursive(
    _simple_steps(),
    lambda children: st.fixed_dictionaries({"kind": st.just("if"), "condition": expressions,
                                            "then": st.lists(children, max_size=3),
                                            "else": st.lists(children, max_size=3)}),
    max_leaves=6)


#: Feature keys: words, the grammar's own words among them (printed quoted, as names are).
feature_keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True) | st.sampled_from(sorted(keywords()))
learnings = st.fixed_dictionaries({"reward": st.just("") | expressions, "cost": st.just("") | expressions,
                                   "features": st.dictionaries(feature_keys, expressions, max_size=3)})


@st.composite
def plan_documents(draw: st.DrawFn) -> dict:
    return {"label": draw(st.none() | labels), "trigger": draw(triggers()),
            "args": draw(st.lists(variables, max_size=3, unique=True)),
            "context": draw(st.just("") | expressions), "body": draw(st.lists(steps, max_size=4)),
            "atomic": draw(st.booleans()), "source_order": draw(st.none() | st.integers(0, 10**6)),
            "learning": draw(learnings)}


_OUTSIDE_STRINGS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|( +)""")


def messy(text: str, spaces: list[str]) -> str:
    """``text`` with each run of spaces outside strings replaced by the next of ``spaces`` (cycled)."""
    if not spaces:
        return text
    counter = iter(range(10**9))
    return _OUTSIDE_STRINGS.sub(lambda match: match.group(1) or spaces[next(counter) % len(spaces)], text)
