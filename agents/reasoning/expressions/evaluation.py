"""The second wall: simpleeval, configured with only our node handlers, operators and functions.

An allowed tree meets nothing here but JSON values (beliefs, bindings, literals) and instants (now(),
timestamp()), and our own operators, which refuse before computing anything a bound forbids (values.py).
With no loops in the language, at most EXPRESSION_MAX_NODES parts each evaluated once, and every value of
bounded size and weighed at most once, an evaluation's time is bounded too. Every failure, ours or
Python's, leaves as ExpressionFailed.
"""

from __future__ import annotations

import ast
import datetime
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from simpleeval import SimpleEval

from agents.common.limits import EXPRESSION_MAX_INT_DIGITS, EXPRESSION_MAX_SIZE
from agents.reasoning.expressions.values import (
    BoundExceeded,
    ExpressionFailed,
    Weights,
    is_number,
    kind,
    number,
    to_datetime,
    too_big,
    utc,
)


def _numbers(symbol: str, left: Any, right: Any) -> None:
    if not (is_number(left) and is_number(right)):
        raise ExpressionFailed(f"Cannot compute {kind(left)} {symbol} {kind(right)}.")


def _sub(left: Any, right: Any) -> Any:
    _numbers("-", left, right)
    return number(left - right)


def _divisor(symbol: str, left: Any, right: Any) -> None:
    if symbol == "%" and isinstance(left, str):
        raise ExpressionFailed("Text formatting with % is not allowed in an expression.")
    _numbers(symbol, left, right)
    if right == 0:
        raise ExpressionFailed("Division by zero.")


def _truediv(left: Any, right: Any) -> Any:
    _divisor("/", left, right)
    return number(left / right)


def _floordiv(left: Any, right: Any) -> Any:
    _divisor("//", left, right)
    return number(left // right)


def _mod(left: Any, right: Any) -> Any:
    _divisor("%", left, right)
    return number(left % right)


def _pow(base: Any, exponent: Any) -> Any:
    _numbers("**", base, exponent)
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        # Refuse before computing: 9**9**9 would take minutes and gigabytes to find out it is too big.
        digits = exponent * math.log10(abs(base))
        if digits >= EXPRESSION_MAX_INT_DIGITS:
            raise BoundExceeded(f"{base} ** {exponent} would have about {int(digits) + 1} digits; the limit is "
                                f"{EXPRESSION_MAX_INT_DIGITS}.")
    if base == 0 and exponent < 0:
        raise ExpressionFailed("Division by zero (0 to a negative power).")
    try:
        return number(base**exponent)
    except OverflowError:
        raise BoundExceeded("A power would be too large for a number.") from None


def _neg(operand: Any) -> Any:
    if not is_number(operand):
        raise ExpressionFailed(f"Cannot negate a {kind(operand)}.")
    return number(-operand)


def _pos(operand: Any) -> Any:
    if not is_number(operand):
        raise ExpressionFailed(f"Cannot apply unary + to a {kind(operand)}.")
    return number(+operand)


def _ordering(symbol: str, compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def operator(left: Any, right: Any) -> bool:
        try:
            return compare(left, right)
        except TypeError:
            raise ExpressionFailed(f"Cannot compare {kind(left)} {symbol} {kind(right)}.") from None
    return operator


def _contains(item: Any, container: Any) -> bool:
    if (isinstance(container, str) and isinstance(item, str)) or isinstance(container, list):
        return item in container
    if isinstance(container, dict) and isinstance(item, str):
        return item in container
    raise ExpressionFailed(f"Cannot test a {kind(item)} 'in' a {kind(container)}.")


#: The operators that need no weighing; + and * are the evaluation's own (they may build big values), and
#: an operator missing here fails in simpleeval (OperatorNotDefined) even if the allow-list let it through.
_OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Sub: _sub, ast.Div: _truediv, ast.FloorDiv: _floordiv, ast.Mod: _mod, ast.Pow: _pow,
    ast.USub: _neg, ast.UAdd: _pos, ast.Not: lambda operand: not operand,
    ast.Eq: lambda left, right: left == right, ast.NotEq: lambda left, right: left != right,
    ast.Lt: _ordering("<", lambda left, right: left < right),
    ast.LtE: _ordering("<=", lambda left, right: left <= right),
    ast.Gt: _ordering(">", lambda left, right: left > right),
    ast.GtE: _ordering(">=", lambda left, right: left >= right),
    ast.In: _contains, ast.NotIn: lambda item, container: not _contains(item, container),
}
_HELD = (str, int, float, list, dict, datetime.datetime)


class Evaluation(SimpleEval):
    """One evaluation: its beliefs, bindings, clock and weights. Built per call: no parsing, only handlers."""

    # simpleeval's settings, fixed: no names or functions of its own (ours are reached through _eval_name and
    # _FUNCTIONS), no attribute access, our operators only.
    expr = ""
    allowed_attrs = None
    ATTR_INDEX_FALLBACK = False
    names = MappingProxyType({})
    functions = MappingProxyType({})
    operators = MappingProxyType(_OPERATORS)

    def __init__(self, *, beliefs: Mapping[str, Any], bindings: Mapping[str, Any], now: datetime.datetime):
        # SimpleEval.__init__ is not called: it installs default names, functions and node handlers we never
        # want, and it toggles the process-wide warnings filters, which is not thread-safe.
        self.beliefs = beliefs
        self.bindings = bindings
        self.now = now
        self.weights = Weights()

    def result(self, tree: ast.Expression) -> Any:
        return self.weights.to_json(self._eval(tree.body))

    def evaluate_part(self, node: ast.AST) -> Any:
        return self._eval(node)

    def _eval(self, node: ast.AST) -> Any:
        """simpleeval's dispatch, over a table built once (the per-call table cost more than most contexts)."""
        handler = _NODES.get(type(node))
        if handler is None:
            raise ExpressionFailed(f"{type(node).__name__} is not available in an expression.")
        result = handler(self, node)
        self._check_disallowed_items(result)
        return result

    def _check_disallowed_items(self, item: Any) -> None:
        # simpleeval re-walks every container after every node (quadratic on big lists). Everything here is
        # made of values checked when they were made, so the top-level type is what is left to check.
        if item is not None and not isinstance(item, _HELD):
            raise ExpressionFailed(f"An expression cannot hold a {type(item).__name__}.")

    def _eval_name(self, node: ast.Name) -> Any:
        """A binding of the event or plan first, then the belief with that key (Jason: unbound is false)."""
        if node.id in self.bindings:
            return self.bindings[node.id]
        if node.id in self.beliefs:
            return self.beliefs[node.id]
        raise ExpressionFailed(f"The name '{node.id}' is neither a binding nor a belief of this agent.")

    def _eval_call(self, node: ast.Call) -> Any:
        method = _FUNCTIONS.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if method is None:
            raise ExpressionFailed("Only the allowed functions can be called.")
        arguments = [self._eval(argument) for argument in node.args]
        keywords = {keyword.arg: self._eval(keyword.value) for keyword in node.keywords}
        return getattr(self, method)(*arguments, **keywords)

    def _eval_binop(self, node: ast.BinOp) -> Any:
        if isinstance(node.op, ast.Add):
            return self.add(self._eval(node.left), self._eval(node.right))
        if isinstance(node.op, ast.Mult):
            return self.multiply(self._eval(node.left), self._eval(node.right))
        return super()._eval_binop(node)

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        container = self._eval(node.value)
        key = self._eval(node.slice)
        if isinstance(container, dict) and isinstance(key, str):
            if key not in container:
                raise ExpressionFailed(f"The object has no key {key!r}.")
            return container[key]
        if isinstance(container, (list, str)) and isinstance(key, int) and not isinstance(key, bool):
            if not -len(container) <= key < len(container):
                raise ExpressionFailed(f"Index {key} is out of range for a {kind(container)} of {len(container)}.")
            return container[key]
        raise ExpressionFailed(f"Cannot subscript a {kind(container)} with a {kind(key)}.")

    def _eval_list(self, node: ast.List | ast.Tuple) -> list[Any]:
        # A tuple is a list: JSON has no tuples, and (1, 2) == [1, 2] should hold.
        items = [self._eval(item) for item in node.elts]
        return self.weights.made(items, 1 + sum(self.weights.of(item) for item in items))

    def _eval_dict(self, node: ast.Dict) -> dict[str, Any]:
        result = {self._eval(key): self._eval(value) for key, value in zip(node.keys, node.values, strict=True)}
        weight = 1 + sum(len(key) + self.weights.of(value) for key, value in result.items())
        return self.weights.made(result, weight)

    # The operators that build: weighed before they allocate.

    def add(self, left: Any, right: Any) -> Any:
        if (isinstance(left, str) and isinstance(right, str)) or (isinstance(left, list) and isinstance(right, list)):
            weight = self.weights.of(left) + self.weights.of(right)
            if weight > EXPRESSION_MAX_SIZE:
                raise too_big()
            return self.weights.made(left + right, weight - isinstance(left, list))
        _numbers("+", left, right)
        return number(left + right)

    def multiply(self, left: Any, right: Any) -> Any:
        if isinstance(left, int) and isinstance(right, (str, list)):
            left, right = right, left
        if isinstance(left, (str, list)) and isinstance(right, int):
            if right > EXPRESSION_MAX_SIZE:
                raise too_big()
            count = max(right, 0)
            weight = (self.weights.of(left) - 1) * count + 1 if isinstance(left, list) else len(left) * count
            if weight > EXPRESSION_MAX_SIZE:
                raise too_big()
            return self.weights.made(left * count, weight)
        _numbers("*", left, right)
        return number(left * right)

    # The functions. Arity and the constant keys of belief()/has() were checked by the allow-list.

    def belief(self, key: str, default: Any = None) -> Any:
        return self.beliefs.get(key, default)

    def has(self, key: str) -> bool:
        return key in self.beliefs

    def length(self, value: Any) -> int:
        if not isinstance(value, (str, list, dict)):
            raise ExpressionFailed(f"len() takes a text, list or object, not a {kind(value)}.")
        return len(value)

    def minimum(self, *arguments: Any) -> Any:
        return _extreme("min", min, arguments)

    def maximum(self, *arguments: Any) -> Any:
        return _extreme("max", max, arguments)

    def absolute(self, value: Any) -> Any:
        if not is_number(value):
            raise ExpressionFailed(f"abs() takes a number, not a {kind(value)}.")
        return number(abs(value))

    def round(self, value: Any, digits: Any = None) -> Any:
        if not is_number(value):
            raise ExpressionFailed(f"round() takes a number, not a {kind(value)}.")
        if digits is None:
            return number(round(value))
        if not isinstance(digits, int) or isinstance(digits, bool) or abs(digits) > EXPRESSION_MAX_INT_DIGITS:
            raise ExpressionFailed(f"round()'s digits are a whole number within ±{EXPRESSION_MAX_INT_DIGITS}.")
        return number(round(value, digits))

    def current_time(self) -> datetime.datetime:
        return self.now

    def days_since(self, moment: Any) -> float:
        return (self.now - to_datetime(moment)).total_seconds() / 86400

    def timestamp(self, moment: Any) -> datetime.datetime:
        return to_datetime(moment)


#: Each node kind the allow-list lets through, and its handler: simpleeval's, or ours where JSON needs it.
_NODES: dict[type, Callable[[Evaluation, Any], Any]] = {
    ast.Constant: lambda evaluation, node: SimpleEval._eval_constant(node),
    ast.Name: Evaluation._eval_name,
    ast.UnaryOp: SimpleEval._eval_unaryop,
    ast.BinOp: Evaluation._eval_binop,
    ast.BoolOp: SimpleEval._eval_boolop,
    ast.Compare: SimpleEval._eval_compare,
    ast.IfExp: SimpleEval._eval_ifexp,
    ast.Call: Evaluation._eval_call,
    ast.Subscript: Evaluation._eval_subscript,
    ast.List: Evaluation._eval_list,
    ast.Tuple: Evaluation._eval_list,
    ast.Dict: Evaluation._eval_dict,
}
#: The functions an expression calls (allow_list.FUNCTIONS), and the method of an evaluation that runs each.
_FUNCTIONS = {"belief": "belief", "has": "has", "len": "length", "min": "minimum", "max": "maximum",
              "abs": "absolute", "round": "round", "now": "current_time", "days_since": "days_since",
              "timestamp": "timestamp"}


def _extreme(name: str, pick: Callable[[Any], Any], arguments: tuple[Any, ...]) -> Any:
    values: Any = arguments
    if len(arguments) == 1:
        (values,) = arguments
        if not isinstance(values, list):
            raise ExpressionFailed(f"{name}() of one argument takes a list, not a {kind(values)}.")
    if not values:
        raise ExpressionFailed(f"{name}() of an empty list.")
    try:
        return pick(values)
    except TypeError:
        kinds = sorted({kind(value) for value in values})
        raise ExpressionFailed(f"{name}() cannot compare {' and '.join(kinds)}.") from None


def constant_evaluation() -> Evaluation:
    """An evaluation with no beliefs, no bindings and a fixed clock: for the parts of a text that read neither."""
    return Evaluation(beliefs={}, bindings={}, now=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))


def run(tree: ast.Expression, *, beliefs: Mapping[str, Any], bindings: Mapping[str, Any],
        now: datetime.datetime | None) -> Any:
    """Evaluate an allowed tree to a JSON value; every failure is ExpressionFailed."""
    try:
        return Evaluation(beliefs=beliefs, bindings=bindings, now=utc(now)).result(tree)
    except ExpressionFailed:
        raise
    except ZeroDivisionError:
        raise ExpressionFailed("Division by zero.") from None
    except RecursionError:
        raise ExpressionFailed("The expression's values are nested too deeply.") from None
    except Exception as exc:  # the contract: whatever Python raises, the caller sees ExpressionFailed
        raise ExpressionFailed(f"The expression failed: {type(exc).__name__}: {exc}"[:500]) from None
