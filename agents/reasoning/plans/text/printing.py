"""JSON to text: a plan document printed in the text form, which ``text_to_plans`` reads back to the same JSON.

The layout is Jason's: the label on its own line, the trigger and context, then the body one step a line
after ``<-``. Names that are not plain words (``"Keep the runway"``, a key ending in a dot) and words the
grammar reserves (``if``, ``atomic`` ...) are printed as JSON strings, so they read back unchanged.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from agents.common.limits import APPROVAL_TIMEOUT_DEFAULT_SECONDS
from agents.protocols.transitions import PROTOCOL_RESPONSE_TIMEOUT, PROTOCOL_RESULT_TIMEOUT
from agents.reasoning.plans.text.parsing import parser
from agents.reasoning.plans.text.syntax_errors import WORDS

_KEY = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.:-]*[A-Za-z0-9_])?\Z")
_ATOM = re.compile(r"[a-z][A-Za-z0-9_]*\Z")
_SIGILS = {"goal_added": "+!", "goal_failed": "-!", "test_goal": "+?", "belief_added": "+", "belief_removed": "-"}
_BODY_INDENT = " " * 7  # under the first step, after "    <- "


@functools.cache
def keywords() -> frozenset[str]:
    """Every word the grammar gives a meaning of its own: printed quoted where a name stands."""
    words = {terminal.pattern.value for terminal in parser().terminals
             if terminal.pattern.type == "str" and terminal.pattern.value.isidentifier()}
    return frozenset(words | WORDS)


def name_text(name: str) -> str:
    return name if _KEY.match(name) and name not in keywords() else _string(name)


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def term_to_text(value: Any) -> str:
    """A term as the text form writes it: JSON, with each ``{"expr": ...}`` written as its expression."""
    if isinstance(value, dict):
        if list(value) == ["expr"] and isinstance(value["expr"], str):
            return value["expr"]
        return "{" + ", ".join(f"{_string(key)}: {term_to_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(term_to_text(item) for item in value) + "]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value)


def recipient_text(value: Any) -> str:
    """``.send``'s first argument: an agent's (or role's) slug as a bare word where it can be one."""
    if isinstance(value, str):
        return value if _ATOM.match(value) and value not in keywords() else _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(recipient_text(item) for item in value) + "]"
    return term_to_text(value)


def trigger_text(trigger: dict[str, Any], args: list[str]) -> str:
    kind = trigger["kind"]
    params = f"({', '.join(args)})" if args else ""
    if kind in _SIGILS:
        return f"{_SIGILS[kind]}{name_text(trigger['name'])}{params}"
    if kind == "message":
        qualifiers = _qualifiers(trigger.get("ontology", ""), trigger.get("protocol", ""))
        return f"^message:{name_text(trigger['performative'])}{params}{qualifiers}"
    return f"^{kind}:{name_text(trigger['name'])}{params}"


def _qualifiers(ontology: str, protocol: str) -> str:
    parts = [f"{key}({_string(value)})" for key, value in (("ontology", ontology), ("protocol", protocol)) if value]
    return f"[{', '.join(parts)}]" if parts else ""


def _steps(steps: list[dict[str, Any]], indent: str) -> str:
    return f";\n{indent}".join(_step(step, indent) for step in steps)


def _block(steps: list[dict[str, Any]], indent: str) -> str:
    if not steps:
        return "{}"
    inner = indent + "    "
    return "{\n" + inner + _steps(steps, inner) + "\n" + indent + "}"


def _if(step: dict[str, Any], indent: str) -> str:
    text = f"if ({step['condition']}) {_block(step['then'], indent)}"
    otherwise = step["else"]
    while len(otherwise) == 1 and otherwise[0]["kind"] == "if":  # an if alone in an else is an elif
        text += f" elif ({otherwise[0]['condition']}) {_block(otherwise[0]['then'], indent)}"
        otherwise = otherwise[0]["else"]
    return text + (f" else {_block(otherwise, indent)}" if otherwise else "")


def _step(step: dict[str, Any], indent: str) -> str:
    kind = step["kind"]
    if kind in ("achieve", "achieve_new"):
        args = f"({', '.join(term_to_text(arg) for arg in step['args'])})" if step["args"] else ""
        return f"{'!' if kind == 'achieve' else '!!'}{name_text(step['goal'])}{args}"
    if kind == "test":
        return f"?{name_text(step['belief'])}" + (f"({step['bind']})" if step.get("bind") else "")
    if kind == "add_belief":
        value = step["value"]
        return f"+{name_text(step['belief'])}" + ("" if value is True else f"({term_to_text(value)})")
    if kind == "remove_belief":
        return f"-{name_text(step['belief'])}"
    if kind == "replace_belief":
        return f"-+{name_text(step['belief'])}({term_to_text(step['value'])})"
    if kind == "constraint":
        return step["condition"]
    if kind == "send":
        return (f".send({recipient_text(step['to'])}, {step['performative']}, {term_to_text(step['content'])})"
                + _qualifiers(step.get("ontology", ""), step.get("protocol", "")))
    if kind == "tell_how":
        return f".tell_how({recipient_text(step['to'])}, {name_text(step['plan'])})"
    if kind == "action":
        parts = [step["name"]]
        if step["args"] != {} or step.get("bind"):
            parts.append(term_to_text(step["args"]))
        if step.get("bind"):
            parts.append(step["bind"])
        return f".action({', '.join(parts)})"
    if kind == "start_protocol":
        parts = [step["protocol"], recipient_text(step["to"]), term_to_text(step["content"])]
        if step.get("bind"):
            parts.append(step["bind"])
        timeouts = (step.get("response_timeout", PROTOCOL_RESPONSE_TIMEOUT),
                    step.get("result_timeout", PROTOCOL_RESULT_TIMEOUT))
        if timeouts != (PROTOCOL_RESPONSE_TIMEOUT, PROTOCOL_RESULT_TIMEOUT):
            parts.extend(json.dumps(timeout) for timeout in timeouts)
        return f".start_protocol({', '.join(parts)})"
    if kind == "cancel_protocol":
        run, reason = step.get("run"), step.get("reason")
        if reason is not None:
            return f".cancel_protocol({term_to_text(run)}, {term_to_text(reason)})"
        return ".cancel_protocol" if run is None else f".cancel_protocol({term_to_text(run)})"
    if kind == "wait":
        parts = []
        if step.get("event"):
            parts.append(trigger_text(step["event"], step.get("args", [])))
        if step.get("timeout") is not None:
            parts.append(json.dumps(step["timeout"]))
        if step.get("on_timeout") == "continue":
            parts.append("continue")
        return f".wait({', '.join(parts)})"
    if kind == "ask_approval":
        parts = [name_text(step["name"]), term_to_text(step["question"])]
        if step["timeout"] != APPROVAL_TIMEOUT_DEFAULT_SECONDS or step.get("bind"):
            parts.append(json.dumps(step["timeout"]))
        if step.get("bind"):
            parts.append(step["bind"])
        approvers = "" if step.get("of", "operators") == "operators" else f"[of({_string(step['of'])})]"
        return f".ask_approval({', '.join(parts)}){approvers}"
    if kind == "fail":
        error, message = step.get("error", "failed"), step.get("message")
        if message is not None:
            return f".fail({error}, {term_to_text(message)})"
        return ".fail" if error == "failed" else f".fail({error})"
    if kind == "if":
        return _if(step, indent)
    return f".{kind}"  # succeed, drop


def step_to_text(step: dict[str, Any]) -> str:
    """One step of a stored body in the text form, on one line: an ``if`` as its head (``if (c) {…}``), since
    its branches are steps of their own. What the agent page and the API show for a frame's next step."""
    if step.get("kind") == "if":
        return f"if ({step.get('condition', '')}) {{…}}"
    return _step(step, "")


def _annotations(document: dict[str, Any]) -> list[str]:
    """Jason's label annotations: atomic, order(n), then how learning judges the plan (only what is given)."""
    annotations = (["atomic"] if document.get("atomic") else []) + \
        ([f"order({document['source_order']})"] if document.get("source_order") is not None else [])
    learning = document.get("learning") or {}
    annotations += [f"{name}({learning[name]})" for name in ("reward", "cost") if learning.get(name)]
    features = learning.get("features") or {}
    return annotations + [f"feature({name_text(key)}, {features[key]})" for key in sorted(features)]


def plan_to_text(document: dict[str, Any]) -> str:
    """One plan document in the text form (ends with its full stop, no trailing newline)."""
    annotations = _annotations(document)
    lines = []
    if document.get("label") or annotations:
        lines.append("@" + (document.get("label") or "") + (f"[{', '.join(annotations)}]" if annotations else ""))
    head = trigger_text(document["trigger"], document.get("args", []))
    if document.get("context"):
        head += f" : {document['context']}"
    body = document.get("body", [])
    if body:
        lines.append(head)
        lines.append(f"    <- {_steps(body, _BODY_INDENT)}.")
    else:
        lines.append(head + ".")
    return "\n".join(lines)


def plans_to_text(documents: list[dict[str, Any]]) -> str:
    """Several plans, a blank line between two, in the order given (their source order, for a scope's list)."""
    return "\n\n".join(plan_to_text(document) for document in documents)
