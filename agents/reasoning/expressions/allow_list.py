"""Our wall: the allow-list every expression passes when its plan is saved (RUNTIME.md §2).

One iterative walk over the parsed syntax tree (no recursion to exhaust), every node on the list or the
text is refused with a sentence naming the construct. It also bounds the text (length, depth, parts,
digits of a number) and collects what the cycle needs to know without running it: the free names, and
the belief keys given to belief()/has(), which must be constants for that reason.
"""

from __future__ import annotations

import ast
import builtins
import math
import re
import unicodedata
from dataclasses import dataclass

from agents.common.limits import (
    BELIEF_KEY_REGEX,
    EXPRESSION_MAX_DEPTH,
    EXPRESSION_MAX_INT_DIGITS,
    EXPRESSION_MAX_NODES,
)
from agents.reasoning.expressions.evaluation import constant_evaluation
from agents.reasoning.expressions.values import BoundExceeded

#: The functions an expression may call, with their (least, most) positional arguments. The key of
#: belief() and has() must be a constant text, so every belief an expression reads is known when it is saved.
FUNCTIONS: dict[str, tuple[int, int]] = {
    "belief": (1, 2),
    "has": (1, 1),
    "len": (1, 1),
    "min": (1, EXPRESSION_MAX_NODES),
    "max": (1, EXPRESSION_MAX_NODES),
    "abs": (1, 1),
    "round": (1, 2),
    "now": (0, 0),
    "days_since": (1, 1),
    "timestamp": (1, 1),
}
ALLOWED = ", ".join(FUNCTIONS)
#: Python's builtins mean something to a reader of `type == 'x'`; as bare names they are refused unless the
#: plan binds the name itself (a belief of that key is still read with belief('type')).
RESERVED = frozenset(name for name in dir(builtins) if not name.startswith("_")) - set(FUNCTIONS)
_BELIEF_KEY = re.compile(BELIEF_KEY_REGEX)
_ASCII_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INT_LIMIT = 10**EXPRESSION_MAX_INT_DIGITS

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Pow: "**"}
_COMPARE = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
_UNARY = (ast.Not, ast.USub, ast.UAdd)
#: What is refused, named for the person who wrote it.
_REFUSED = {
    ast.Lambda: "lambda",
    ast.ListComp: "a comprehension ([... for ...])",
    ast.SetComp: "a comprehension ({... for ...})",
    ast.DictComp: "a comprehension ({...: ... for ...})",
    ast.GeneratorExp: "a generator expression ((... for ...))",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.Starred: "a starred expression (*x)",
    ast.Slice: "a slice (x[i:j])",
    ast.Set: "a set ({...}; use a list)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.BitAnd: "the operator &", ast.BitOr: "the operator |", ast.BitXor: "the operator ^",
    ast.LShift: "the operator <<", ast.RShift: "the operator >>", ast.MatMult: "the operator @",
    ast.Invert: "the operator ~", ast.Is: "'is' (use ==)", ast.IsNot: "'is not' (use !=)",
}


class Refused(Exception):
    """Why a text is not an allowed expression: a sentence naming the construct."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _refuse(construct: str, hint: str = "") -> Refused:
    return Refused(f"{construct[0].upper()}{construct[1:]} is not allowed in an expression{hint}.")


@dataclass(frozen=True)
class Analysis:
    """A text that passed the allow-list: its tree and what it refers to."""

    tree: ast.Expression
    names: frozenset[str]
    belief_keys: frozenset[str]
    #: Names only a plan binding may provide: builtins' names, names used as a subscript key.
    needs_binding: frozenset[str]


def analyse(text: str) -> Analysis:
    """Parse ``text`` (already within EXPRESSION_MAX_CHARS) and check it; raise Refused if it is not allowed."""
    text = text.strip()
    if not text:
        raise Refused("An expression is required.")
    for char in text:
        if unicodedata.category(char) in ("Cf", "Cs", "Co", "Cn") or char == "\x00":
            raise Refused(f"Invisible, direction-changing or unassigned characters (U+{ord(char):04X}) are not "
                          "allowed in an expression.")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise Refused(f"Not a valid expression: {exc.msg} (column {exc.offset}).") from None
    except (RecursionError, MemoryError):
        raise Refused(f"The expression is nested too deeply; the limit is {EXPRESSION_MAX_DEPTH} levels.") from None
    except (ValueError, TypeError, UnicodeError) as exc:
        raise Refused(f"Not a valid expression: {exc}.") from None
    return _Checker(text).check(tree)


class _Checker:
    """Our wall: one iterative walk over the syntax tree (no recursion to exhaust), every node on the list."""

    def __init__(self, text: str):
        # The parser's lines (it breaks at \r\n, \r and \n only), as UTF-8: its column offsets count bytes.
        self.lines = [line.encode() for line in re.split(r"\r\n|\r|\n", text)]
        self.names: set[str] = set()
        self.belief_keys: set[str] = set()
        self.needs_binding: set[str] = set()

    def check(self, tree: ast.Expression) -> Analysis:
        stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
        count = 0
        refusals: list[tuple[int, int, int, str]] = []
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > EXPRESSION_MAX_NODES:
                raise Refused(f"The expression is too large: more than {EXPRESSION_MAX_NODES} parts.")
            if depth > EXPRESSION_MAX_DEPTH:
                raise Refused(f"The expression is nested too deeply; the limit is {EXPRESSION_MAX_DEPTH} levels.")
            try:
                children = self.visit(node)
            except Refused as refused:
                # Keep looking inside: the refusal reported is the first in reading order (the innermost of
                # those that start at the same place: '.__class__' in 'x.__class__.__bases__').
                refusals.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), -depth, refused.message))
                children = [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)
                            and not (isinstance(node, ast.Call) and child is node.func and isinstance(child, ast.Name))]
            stack.extend((child, depth + 1) for child in children)
        if refusals:
            raise Refused(min(refusals)[3])
        if refuse_bound_exceeded(tree.body):
            evaluate_constant(tree.body)
        return Analysis(tree=tree, names=frozenset(self.names), belief_keys=frozenset(self.belief_keys),
                        needs_binding=frozenset(self.needs_binding))

    def written(self, node: ast.Name) -> str:
        """The name as the text spells it (a name never spans lines)."""
        line = self.lines[node.lineno - 1]
        return line[node.col_offset:node.end_col_offset].decode(errors="replace")

    def visit(self, node: ast.AST) -> list[ast.AST]:
        """Refuse ``node`` or return the children to check next."""
        if isinstance(node, ast.Constant):
            self.constant(node.value)
            return []
        if isinstance(node, ast.Name):
            self.name(node)
            return []
        if isinstance(node, ast.BoolOp):
            return list(node.values)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, _UNARY):
                raise _refuse(_REFUSED[type(node.op)])
            return [node.operand]
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise _refuse(_REFUSED.get(type(node.op), "this operator"))
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(
                    node.left.value, str):
                raise _refuse("text formatting with %")
            return [node.left, node.right]
        if isinstance(node, ast.Compare):
            for operator in node.ops:
                if not isinstance(operator, _COMPARE):
                    raise _refuse(_REFUSED[type(operator)])
            return [node.left, *node.comparators]
        if isinstance(node, ast.IfExp):
            return [node.test, node.body, node.orelse]
        if isinstance(node, (ast.List, ast.Tuple)):
            return list(node.elts)
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if key is None:
                    raise _refuse("dict unpacking (**x)")
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    raise Refused("An object's keys must be constant texts ({'k': ...}), as in JSON.")
            return list(node.values)
        if isinstance(node, ast.Subscript):
            self.subscript_key(node.slice)
            return [node.value]
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            raise _refuse(f"attribute access (.{node.attr})")
        raise _refuse(_REFUSED.get(type(node), f"the construct {type(node).__name__}"))

    def constant(self, value: object) -> None:
        if value is None or isinstance(value, (bool, str)):
            return
        if isinstance(value, int):
            if abs(value) >= _INT_LIMIT:
                raise Refused(f"A number in the expression has more than {EXPRESSION_MAX_INT_DIGITS} digits.")
            return
        if isinstance(value, float):
            if not math.isfinite(value):
                raise Refused("A number in the expression is too large to be a JSON number.")
            return
        kind = {bytes: "a bytes literal", complex: "an imaginary number"}.get(type(value), "the ellipsis (...)")
        raise _refuse(kind, " (not a JSON value)")

    def name(self, node: ast.Name) -> None:
        name = node.id
        # Python folds look-alike letters (NFKC: fullwidth 'eval' is 'eval'); a name must read as what it is.
        written = self.written(node)
        if written != name or not _ASCII_NAME.match(name):
            raise _refuse(f"the name {written!r} (names are ASCII letters, digits and _)")
        if name.startswith("__"):
            raise _refuse(f"a dunder name ({name})")
        if name in FUNCTIONS:
            raise _refuse(f"the function '{name}' used as a value", f"; call it: {name}(...)")
        if name in RESERVED:
            self.needs_binding.add(name)
        self.names.add(name)

    def subscript_key(self, key: ast.AST) -> None:
        if isinstance(key, ast.Slice):
            raise _refuse(_REFUSED[ast.Slice])
        if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub):
            key = key.operand
        if isinstance(key, ast.Constant) and type(key.value) in (int, str):
            self.constant(key.value)
            return
        if isinstance(key, ast.Name):
            self.name(key)
            self.needs_binding.add(key.id)
            return
        raise Refused("A subscript key must be a constant (x['k'], x[0], x[-1]) or a name the plan binds.")

    def call(self, node: ast.Call) -> list[ast.AST]:
        func = node.func
        if isinstance(func, ast.Attribute):
            raise _refuse(f"attribute access (.{func.attr})")
        if isinstance(func, ast.Lambda):
            raise _refuse("lambda")
        if not isinstance(func, ast.Name):
            raise _refuse("calling the result of an expression", f"; only these functions are called: {ALLOWED}")
        if self.written(func) != func.id:
            raise _refuse(f"the function name {self.written(func)!r} (names are ASCII letters, digits and _)")
        if func.id not in FUNCTIONS:
            raise _refuse(f"the function '{func.id}'", f"; the functions are: {ALLOWED}")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise _refuse("a starred argument (*x)")
        for keyword in node.keywords:
            if keyword.arg is None:
                raise _refuse("keyword unpacking (**x)")
            if func.id != "belief" or keyword.arg != "default":
                raise _refuse(f"the keyword argument {keyword.arg}=", " (only belief(key, default=...) has one)")
        least, most = FUNCTIONS[func.id]
        given = len(node.args) + len(node.keywords)
        if not least <= given <= most or (node.keywords and len(node.args) != 1):
            raise Refused(f"{func.id}() takes {least} to {most} arguments, not {given}." if least != most
                           else f"{func.id}() takes {least} argument{'s' * (least != 1)}, not {given}.")
        if func.id in ("belief", "has"):
            key = node.args[0]
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and _BELIEF_KEY.match(key.value)):
                raise Refused(f"{func.id}() takes a constant belief key, like {func.id}('market.share'): "
                               "letters, digits and _ . : - .")
            self.belief_keys.add(key.value)
            return [*node.args[1:], *(keyword.value for keyword in node.keywords)]
        return list(node.args)


def refuse_bound_exceeded(node: ast.AST) -> bool:
    """Run every largest part of the tree that reads no name and calls no function, now, and refuse the text if
    one of them exceeds a bound: `9**9**9` and `'a' * 10**10` are refused when the plan is saved, not at the
    first cycle that runs them. Other failures (1/0) are left to run time, where a branch not taken never fails.
    Returns whether ``node`` itself is such a part (recursion is bounded by EXPRESSION_MAX_DEPTH, checked first).
    """
    if isinstance(node, ast.Call):
        closed, children = False, [*node.args, *(keyword.value for keyword in node.keywords)]
    else:
        closed = not isinstance(node, ast.Name)
        children = [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]
    parts = [(child, refuse_bound_exceeded(child)) for child in children]
    closed = closed and all(part_closed for _, part_closed in parts)
    if not closed:
        for child, part_closed in parts:
            if part_closed:
                evaluate_constant(child)
    return closed


def evaluate_constant(node: ast.AST) -> None:
    if isinstance(node, ast.Constant):
        return
    try:
        constant_evaluation().evaluate_part(node)
    except BoundExceeded as exceeded:
        raise Refused(f"{exceeded.message[:-1]}: this part of the expression can never be computed.") from None
    except Exception:  # noqa: S110 (any other failure is the run time's to report, where the branch is taken)
        pass
