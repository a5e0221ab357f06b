"""Text to JSON: the text form of plans (grammar.lark) parsed into exactly the documents the API stores.

``text_to_plans`` returns plan documents as the JSON path would receive them; they still go through
``document.document_clean`` like any other input (the parser checks syntax, the document checks meaning).
A syntax error is a 400 naming the field, the line and the column: ``text: line 3, column 14: expected
';' or '.', found '!'``.

Values in step arguments (a message's content, a belief's value, a goal's arguments) are *terms*: JSON
written as JSON (``{"runway": 3}``, ``[1, 2]``, ``"text"``, ``true``, ``null``) whose parts may be
expressions (``{"runway": Months * 2}``); an expression part becomes ``{"expr": "Months * 2"}``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from agents.common.errors import invalid
from agents.common.limits import (
    APPROVAL_TIMEOUT_DEFAULT_SECONDS,
    PLAN_TEXT_BRACKETS_MAX,
    PLAN_TEXT_MAX_CHARS,
    PLANS_PER_TEXT_MAX,
)
from agents.protocols.transitions import PROTOCOL_RESPONSE_TIMEOUT, PROTOCOL_RESULT_TIMEOUT
from agents.reasoning.plans.text.syntax_errors import syntax_message, where
from mabos import storable
from mabos.errors import InvalidInput

#: ``.ask_approval`` without ``[of("role")]`` asks the organization's operators (approvals/models.py).
OPERATORS = "operators"
GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")

#: Steps of RUNTIME.md §3 that come with a later issue; the text names them so the error can say so.
INTERNAL_ACTIONS = (".send", ".tell_how", ".action", ".start_protocol", ".cancel_protocol", ".wait", ".ask_approval",
                    ".fail", ".succeed", ".drop")

#: Strings, comments and whitespace of an expression's text: strings kept, the others made one space.
_EXPRESSION_PARTS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(/\*.*?\*/|\#[^\n]*)|([ \t\n\r\f\v]+)""",
                               re.DOTALL)
_WHITESPACE_PARTS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|([ \t\n\r\f\v]+)""")
_BRACKETS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|/\*.*?\*/|\#[^\n]*)|([(\[{])|([)\]}])""",
                       re.DOTALL)

def canonical_expression(source: str) -> str:
    """An expression's text as stored: trimmed, every run of whitespace outside strings one space.

    Whitespace means nothing in an expression (outside its strings), so both forms store the same text
    for the same expression, and a line break inside a long context is not an error. ASCII whitespace
    only: a U+2028 or a no-break space is left for the expression checker to refuse, never laundered.
    """
    return _WHITESPACE_PARTS.sub(lambda match: match.group(1) or " ", source).strip(" \t\n\r\f\v")


@functools.cache
def parser() -> Lark:
    """The parser, built once per process (about half a second)."""
    return Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                maybe_placeholders=True, propagate_positions=True, start=["start", "term"])


class _SyntaxProblem(Exception):
    def __init__(self, pos: int, message: str):
        super().__init__(message)
        self.pos, self.message = pos, message


def _check_brackets(text: str) -> None:
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group(2):
            depth += 1
            if depth > PLAN_TEXT_BRACKETS_MAX:
                raise _SyntaxProblem(match.start(), f"brackets nested deeper than {PLAN_TEXT_BRACKETS_MAX}")
        elif match.group(3):
            depth = max(depth - 1, 0)


def _raise(field: str, text: str, problem: _SyntaxProblem) -> InvalidInput:
    return invalid(field, f"{where(text, problem.pos)}: {problem.message}")


def _parse(text: str, field: str, start: str) -> Tree:
    if not isinstance(text, str):
        raise invalid(field, "Must be text.")
    problem = storable.text_problem(text)
    if problem:
        raise invalid(field, problem)
    if len(text) > PLAN_TEXT_MAX_CHARS:
        raise invalid(field, f"At most {PLAN_TEXT_MAX_CHARS} characters.")
    try:
        _check_brackets(text)
        return parser().parse(text, start=start)
    except UnexpectedInput as exc:
        raise _raise(field, text, _SyntaxProblem(*syntax_message(text, exc, parser().terminals))) from None
    except _SyntaxProblem as problem:
        raise _raise(field, text, problem) from None


def text_to_plans(text: str, *, field: str = "text") -> list[dict[str, Any]]:
    """The plan documents a text holds, in their order (a syntax error is a 400 naming ``field``)."""
    tree = _parse(text, field, "start")
    if len(tree.children) > PLANS_PER_TEXT_MAX:
        raise invalid(field, f"At most {PLANS_PER_TEXT_MAX} plans in one text.")
    reader = _Reader(text)
    try:
        return [reader.plan(node) for node in tree.children]
    except _SyntaxProblem as problem:
        raise _raise(field, text, problem) from None


def text_to_term(text: str, *, field: str = "term") -> Any:
    """One term (a value of a step argument) from its text: JSON, with ``{"expr": ...}`` where computed."""
    tree = _parse(text, field, "term")
    try:
        return _Reader(text).term(tree)
    except _SyntaxProblem as problem:
        raise _raise(field, text, problem) from None


def _span(node: Any) -> tuple[int, int]:
    """Where ``node`` stands in the text, keywords and brackets the tree leaves out included."""
    if isinstance(node, Token):
        return node.start_pos, node.end_pos
    return node.meta.start_pos, node.meta.end_pos


class _Reader:
    """Turns the parse tree of one text into plan documents; positions index ``text``."""

    def __init__(self, text: str):
        self.text = text

    # -- helpers --------------------------------------------------------------------------------------
    def source(self, node: Any) -> str:
        """The expression's own text, comments dropped and whitespace made canonical."""
        start, end = _span(node)
        raw = self.text[start:end]
        return canonical_expression(_EXPRESSION_PARTS.sub(lambda match: match.group(1) or " ", raw))

    @staticmethod
    def pos(node: Any) -> int:
        return _span(node)[0]

    @staticmethod
    def string(token: Token) -> str:
        value = str(token)
        if value.startswith("'"):
            raise _SyntaxProblem(token.start_pos, "write names and qualifiers in double quotes")
        try:
            return json.loads(value)
        except ValueError:
            raise _SyntaxProblem(token.start_pos, "not a valid JSON string") from None

    def name(self, node: Tree) -> str:
        token = node.children[0]
        return self.string(token) if token.type == "STRING" else str(token)

    @staticmethod
    def variables(node: Tree | None) -> list[str]:
        return [] if node is None else [str(child) for child in node.children if child is not None]

    def qualifiers(self, node: Tree | None) -> dict[str, str]:
        out: dict[str, str] = {}
        for qualifier in [] if node is None else [child for child in node.children if child is not None]:
            key, value = qualifier.children
            if str(key) in out:
                raise _SyntaxProblem(key.start_pos, f"{key} given twice")
            out[str(key)] = self.string(value)
        return out

    # -- plans ----------------------------------------------------------------------------------------
    def plan(self, node: Tree) -> dict[str, Any]:
        label_node, trigger_node, context_node, body_node = node.children
        label, atomic, order = None, False, None
        learning: dict[str, Any] = {"reward": "", "cost": "", "features": {}}
        if label_node is not None:
            label_token, annotations = label_node.children
            label = None if label_token is None else str(label_token)
            given: set[str] = set()
            for annotation in [] if annotations is None else [a for a in annotations.children if a is not None]:
                kind = annotation.data
                if kind == "atomic":
                    atomic = True
                    continue
                if kind == "feature":
                    key, value = annotation.children
                    kind = f"feature {self.name(key)}"
                if kind in given:
                    raise _SyntaxProblem(self.pos(annotation), f"{kind} given twice")
                given.add(kind)
                if kind == "order":
                    order = int(annotation.children[0])
                elif kind in ("reward", "cost"):
                    learning[kind] = self.source(annotation.children[0])
                else:
                    learning["features"][self.name(key)] = self.source(value)
        trigger, args = self.trigger(trigger_node)
        context = "" if context_node is None else self.context(context_node.children[0])
        body = [] if body_node is None else self.steps(body_node.children[1])
        return {"label": label, "trigger": trigger, "args": args, "context": context, "body": body,
                "atomic": atomic, "source_order": order, "learning": learning}

    def context(self, node: Any) -> str:
        # Jason writes "always" as ``: true``; the stored form of that is no context at all.
        return "" if isinstance(node, Tree) and node.data == "true" else self.source(node)

    def trigger(self, node: Tree) -> tuple[dict[str, Any], list[str]]:
        kinds = {"goal_added": "goal_added", "goal_failed": "goal_failed", "test_goal": "test_goal",
                 "belief_added": "belief_added", "belief_removed": "belief_removed"}
        if node.data in kinds:
            name, params = node.children
            return {"kind": kinds[node.data], "name": self.name(name)}, self.variables(params)
        event, name, params, qualifiers = node.children
        kind, label = str(event), self.name(name)
        extra = self.qualifiers(qualifiers)
        if kind != "message":
            if extra:
                raise _SyntaxProblem(self.pos(qualifiers), f"only a message trigger takes {', '.join(extra)}")
            return {"kind": kind, "name": label}, self.variables(params)
        return {"kind": "message", "performative": label, **extra}, self.variables(params)

    def steps(self, node: Tree | None) -> list[dict[str, Any]]:
        return [] if node is None else [self.step(child) for child in node.children]

    def block(self, node: Tree) -> list[dict[str, Any]]:
        return self.steps(node.children[0])

    def step(self, node: Tree) -> dict[str, Any]:
        kind, children = node.data, node.children
        if kind in ("achieve", "achieve_new"):
            name, arguments = (*children, None)[:2]  # lark leaves out this one placeholder
            terms = [] if arguments is None else [self.term(t) for t in arguments.children if t is not None]
            return {"kind": kind, "goal": self.name(name), "args": terms}
        if kind == "test":
            name, variable = children
            return {"kind": "test", "belief": self.name(name), "bind": None if variable is None else str(variable)}
        if kind == "add_belief":
            name, value = children
            value = True if value is None else self.term(value)  # Jason's +b: the belief holds, its value true
            return {"kind": "add_belief", "belief": self.name(name), "value": value}
        if kind == "remove_belief":
            return {"kind": "remove_belief", "belief": self.name(children[0])}
        if kind == "replace_belief":
            return {"kind": "replace_belief", "belief": self.name(children[0]), "value": self.term(children[1])}
        if kind == "send":
            to, performative, content, qualifiers = children
            extra = self.qualifiers(qualifiers)
            return {"kind": "send", "to": self.recipient(to.children[0]), "performative": str(performative),
                    "content": self.term(content), "ontology": extra.get("ontology", ""),
                    "protocol": extra.get("protocol", "")}
        if kind == "tell_how":
            to, label = children
            return {"kind": "tell_how", "to": self.recipient(to.children[0]), "plan": self.name(label)}
        if kind == "action":
            name, arguments, bind = children
            return {"kind": "action", "name": str(name), "args": {} if arguments is None else self.term(arguments),
                    "bind": None if bind is None else str(bind)}
        if kind == "start_protocol":
            opening, to, content, bind, response, result = children
            return {"kind": "start_protocol", "protocol": str(opening), "to": self.recipient(to.children[0]),
                    "content": self.term(content),
                    "response_timeout": PROTOCOL_RESPONSE_TIMEOUT if response is None else self.number(response),
                    "result_timeout": PROTOCOL_RESULT_TIMEOUT if result is None else self.number(result),
                    "bind": None if bind is None else str(bind)}
        if kind == "cancel_protocol":
            run, reason = [*children, None, None][:2]
            return {"kind": "cancel_protocol", "run": None if run is None else self.term(run),
                    "reason": None if reason is None else self.term(reason)}
        if kind == "wait":
            return self.wait(children[0])
        if kind == "ask_approval":
            name, question, timeout, bind, approvers = children
            return {"kind": "ask_approval", "name": self.name(name), "question": self.term(question),
                    "of": OPERATORS if approvers is None else self.string(approvers.children[0]),
                    "timeout": APPROVAL_TIMEOUT_DEFAULT_SECONDS if timeout is None else self.number(timeout),
                    "bind": None if bind is None else str(bind)}
        if kind == "fail":
            error, message = children
            return {"kind": "fail", "error": "failed" if error is None else str(error),
                    "message": None if message is None else self.term(message)}
        if kind in ("succeed", "drop"):
            return {"kind": kind}
        if kind == "internal":
            name = str(children[0])
            raise _SyntaxProblem(children[0].start_pos,
                                 f"unknown internal action {name}; the steps are {', '.join(INTERNAL_ACTIONS)}")
        if kind == "if_":
            return self.if_step(children)
        return {"kind": "constraint", "condition": self.source(children[0])}

    def if_step(self, children: list[Any]) -> dict[str, Any]:
        condition, then, *rest = children
        otherwise = rest.pop() if rest and (rest[-1] is None or rest[-1].data == "else_") else None
        tail: list[dict[str, Any]] = [] if otherwise is None else self.block(otherwise.children[0])
        for elif_ in reversed(rest):  # ``elif`` is an ``if`` alone in the ``else`` of the one before
            tail = [{"kind": "if", "condition": self.source(elif_.children[0]),
                     "then": self.block(elif_.children[1]), "else": tail}]
        return {"kind": "if", "condition": self.source(condition), "then": self.block(then), "else": tail}

    def wait(self, node: Tree) -> dict[str, Any]:
        if node.data == "wait_timer":
            timeout, on_timeout = node.children
            event, args = None, []
        else:
            trigger, timeout, on_timeout = node.children
            event, args = self.trigger(trigger)
        return {"kind": "wait", "event": event, "args": args,
                "timeout": None if timeout is None else self.number(timeout),
                "on_timeout": "fail" if on_timeout is None else str(on_timeout)}

    @staticmethod
    def number(token: Token) -> Any:
        try:
            return json.loads(str(token))
        except ValueError:
            raise _SyntaxProblem(token.start_pos, "write the number as JSON does (no _ separators)") from None

    # -- terms ----------------------------------------------------------------------------------------
    def term(self, node: Any) -> Any:
        if isinstance(node, Tree) and node.data == "term":
            node = node.children[0]
        literal = self.literal(node)
        return literal if literal is not _COMPUTED else {"expr": self.source(node)}

    def literal(self, node: Any) -> Any:
        """The JSON value ``node`` writes, or _COMPUTED when it is an expression."""
        if not isinstance(node, Tree):
            return _COMPUTED
        kind = node.data
        if kind in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[kind]
        if kind == "number":
            return _json_or_computed(str(node.children[0]))
        if kind == "neg" and isinstance(node.children[0], Tree) and node.children[0].data == "number":
            return _json_or_computed("-" + str(node.children[0].children[0]))
        if kind == "string" and len(node.children) == 1:
            return _json_or_computed(str(node.children[0]), str)
        if kind == "list_":
            return [self.term(child) for child in node.children if child is not None]
        if kind == "dict_":
            return self.object(node)
        return _COMPUTED

    def object(self, node: Tree) -> Any:
        pairs = [child for child in node.children if child is not None]
        keys = [self.literal(pair.children[0]) for pair in pairs]
        if not all(isinstance(key, str) for key in keys):
            return _COMPUTED  # a dict display with computed keys: the expression checker decides
        out: dict[str, Any] = {}
        for key, pair in zip(keys, pairs, strict=True):
            if key in out:
                raise _SyntaxProblem(self.pos(pair), f"the key {json.dumps(key)} appears twice")
            out[key] = self.term(pair.children[1])
        if list(out) == ["expr"]:
            raise _SyntaxProblem(self.pos(node), 'an object with the one key "expr" is how JSON writes a computed '
                                                 "value; in the text form write the expression itself")
        return out

    def recipient(self, node: Any) -> Any:
        """``.send``'s first argument: a bare lower-case name is an agent (or role) by slug, not a belief."""
        if isinstance(node, Tree) and node.data == "name_" and str(node.children[0])[:1].islower():
            return str(node.children[0])
        if isinstance(node, Tree) and node.data == "list_":
            return [self.recipient(child) for child in node.children if child is not None]
        return self.term(node)


_COMPUTED = object()


def _json_or_computed(text: str, expected: type | None = None) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return _COMPUTED
    return value if expected is None or isinstance(value, expected) else _COMPUTED
