"""The second wall: simpleeval, configured with only our node handlers, operators and functions.

An allowed tree meets nothing here but JSON values (beliefs, bindings, literals) and datetimes (now(),
timestamp()), and our own operators, which refuse before computing anything whose size a bound forbids:
an integer past EXPRESSION_MAX_INT_DIGITS digits, a text, list or object past EXPRESSION_MAX_SIZE. With no
loops in the language and at most EXPRESSION_MAX_NODES parts, each evaluated once over values of bounded
size, an evaluation's time is bounded too. Every failure, ours or Python's, leaves as ExpressionFailed.
"""

from __future__ import annotations

import ast
import datetime
import math
from collections.abc import Mapping
from typing import Any

from simpleeval import SimpleEval

from agents.common.limits import EXPRESSION_MAX_INT_DIGITS, EXPRESSION_MAX_SIZE

_INT_LIMIT = 10**EXPRESSION_MAX_INT_DIGITS
_UTC = datetime.UTC


class ExpressionFailed(Exception):
    """Evaluation failed at run time (a missing name, a type error, division by zero, a bound exceeded).

    The cycle treats it as "context does not hold" (Jason: an unbound variable makes a context false) or as
    a failing step. ``message`` says what failed, in words a plan author can act on.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _kind(value: object) -> str:
    """A value's JSON type, as a plan author calls it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, datetime.datetime):
        return "timestamp"
    return type(value).__name__


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, complex)


def _number(value: Any) -> Any:
    """A computed number, if it is one JSON can hold and our bounds allow."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -_INT_LIMIT < value < _INT_LIMIT:
            return value
        raise ExpressionFailed(f"A number has more than {EXPRESSION_MAX_INT_DIGITS} digits.")
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise ExpressionFailed("A number is too large (or not a number) for JSON.")
    raise ExpressionFailed(f"The result is a {_kind(value)}, not a real number.")


def _numbers(symbol: str, left: Any, right: Any) -> None:
    if not (_is_number(left) and _is_number(right)):
        raise ExpressionFailed(f"Cannot compute {_kind(left)} {symbol} {_kind(right)}.")


def _weight(value: Any, limit: int = EXPRESSION_MAX_SIZE) -> int:
    """How big a value is: characters of its texts and keys plus one per value, counted through nesting
    (shared parts counted each time they occur, as JSON would print them); stops counting past ``limit``."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) or 1
        elif isinstance(item, (list, tuple)):
            total += 1
            if total + len(item) > limit:
                return total + len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += 1 + sum(len(key) for key in item)
            stack.extend(item.values())
        else:
            total += 1
        if total > limit:
            return total
    return total


def _too_big(weight: int) -> ExpressionFailed:
    return ExpressionFailed(f"The expression would build a value of more than {EXPRESSION_MAX_SIZE} characters "
                            "or elements.")


def _add(left: Any, right: Any) -> Any:
    if (isinstance(left, str) and isinstance(right, str)) or (isinstance(left, list) and isinstance(right, list)):
        weight = _weight(left) + _weight(right)
        if weight > EXPRESSION_MAX_SIZE:
            raise _too_big(weight)
        return left + right
    _numbers("+", left, right)
    return _number(left + right)


def _sub(left: Any, right: Any) -> Any:
    _numbers("-", left, right)
    return _number(left - right)


def _mul(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, (str, list)):
        left, right = right, left
    if isinstance(left, (str, list)) and isinstance(right, int):
        if right > EXPRESSION_MAX_SIZE:
            raise _too_big(right)
        weight = _weight(left) * max(right, 0)
        if weight > EXPRESSION_MAX_SIZE:
            raise _too_big(weight)
        return left * right
    _numbers("*", left, right)
    return _number(left * right)


def _divisor(symbol: str, left: Any, right: Any) -> None:
    if symbol == "%" and isinstance(left, str):
        raise ExpressionFailed("Text formatting with % is not allowed in an expression.")
    _numbers(symbol, left, right)
    if right == 0:
        raise ExpressionFailed("Division by zero.")


def _truediv(left: Any, right: Any) -> Any:
    _divisor("/", left, right)
    return _number(left / right)


def _floordiv(left: Any, right: Any) -> Any:
    _divisor("//", left, right)
    return _number(left // right)


def _mod(left: Any, right: Any) -> Any:
    _divisor("%", left, right)
    return _number(left % right)


def _pow(base: Any, exponent: Any) -> Any:
    _numbers("**", base, exponent)
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        # Refuse before computing: 9**9**9 would take minutes and gigabytes to find out it is too big.
        digits = exponent * math.log10(abs(base))
        if digits >= EXPRESSION_MAX_INT_DIGITS:
            raise ExpressionFailed(f"{base} ** {exponent} would have about {int(digits) + 1} digits; the limit is "
                                   f"{EXPRESSION_MAX_INT_DIGITS}.")
    if base == 0 and exponent < 0:
        raise ExpressionFailed("Division by zero (0 to a negative power).")
    try:
        return _number(base**exponent)
    except OverflowError:
        raise ExpressionFailed("A power is too large for a number.") from None


def _neg(operand: Any) -> Any:
    if not _is_number(operand):
        raise ExpressionFailed(f"Cannot negate a {_kind(operand)}.")
    return _number(-operand)


def _pos(operand: Any) -> Any:
    if not _is_number(operand):
        raise ExpressionFailed(f"Cannot apply unary + to a {_kind(operand)}.")
    return _number(+operand)


def _compare(symbol: str, compare: Any):
    def operator(left: Any, right: Any) -> bool:
        try:
            return compare(left, right)
        except TypeError:
            raise ExpressionFailed(f"Cannot compare {_kind(left)} {symbol} {_kind(right)}.") from None
    return operator


def _contains(item: Any, container: Any) -> bool:
    if (isinstance(container, str) and isinstance(item, str)) or isinstance(container, list):
        return item in container
    if isinstance(container, dict) and isinstance(item, str):
        return item in container
    raise ExpressionFailed(f"Cannot test a {_kind(item)} 'in' a {_kind(container)}.")


OPERATORS = {
    ast.Add: _add, ast.Sub: _sub, ast.Mult: _mul, ast.Div: _truediv, ast.FloorDiv: _floordiv, ast.Mod: _mod,
    ast.Pow: _pow, ast.USub: _neg, ast.UAdd: _pos, ast.Not: lambda operand: not operand,
    ast.Eq: lambda left, right: left == right, ast.NotEq: lambda left, right: left != right,
    ast.Lt: _compare("<", lambda left, right: left < right),
    ast.LtE: _compare("<=", lambda left, right: left <= right),
    ast.Gt: _compare(">", lambda left, right: left > right),
    ast.GtE: _compare(">=", lambda left, right: left >= right),
    ast.In: _contains, ast.NotIn: lambda item, container: not _contains(item, container),
}


def to_datetime(value: Any) -> datetime.datetime:
    """An instant from ISO-8601 text, epoch seconds or a datetime; a naive one is taken as UTC."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str) and len(value) <= 64:
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise ExpressionFailed(f"{value!r} is not an ISO-8601 timestamp.") from None
    elif _is_number(value) and not isinstance(value, bool):
        try:
            return datetime.datetime.fromtimestamp(value, _UTC)
        except (OverflowError, OSError, ValueError):
            raise ExpressionFailed(f"{value!r} is not a timestamp in epoch seconds.") from None
    else:
        raise ExpressionFailed(f"A timestamp is ISO-8601 text or epoch seconds, not a {_kind(value)}.")
    return moment.replace(tzinfo=_UTC) if moment.tzinfo is None else moment.astimezone(_UTC)


def _sequence_argument(name: str, arguments: tuple[Any, ...]) -> Any:
    if len(arguments) == 1:
        (only,) = arguments
        if not isinstance(only, list):
            raise ExpressionFailed(f"{name}() of one argument takes a list, not a {_kind(only)}.")
        if not only:
            raise ExpressionFailed(f"{name}() of an empty list.")
        return only
    return arguments


class Evaluation(SimpleEval):
    """One evaluation: its beliefs, bindings and clock. Built per call (cheap: no parsing, only handlers)."""

    def __init__(self, *, beliefs: Mapping[str, Any], bindings: Mapping[str, Any], now: datetime.datetime):
        # SimpleEval.__init__ is not called: it installs default names and functions and nodes we never want,
        # and toggles the process-wide warnings filters, which is not thread-safe.
        self.beliefs = beliefs
        self.bindings = bindings
        self.now = now
        self.expr = ""
        self.allowed_attrs = None
        self.ATTR_INDEX_FALLBACK = False
        self.operators = OPERATORS
        self.names = {}
        self.functions = {
            "belief": self.belief, "has": self.has, "len": self.length, "min": self.minimum, "max": self.maximum,
            "abs": self.absolute, "round": self.round, "now": self.current_time, "days_since": self.days_since,
            "timestamp": to_datetime,
        }
        self.nodes = {
            ast.Constant: self._eval_constant,
            ast.Name: self._eval_name,
            ast.UnaryOp: self._eval_unaryop,
            ast.BinOp: self._eval_binop,
            ast.BoolOp: self._eval_boolop,
            ast.Compare: self._eval_compare,
            ast.IfExp: self._eval_ifexp,
            ast.Call: self._eval_call,
            ast.keyword: self._eval_keyword,
            ast.Subscript: self._eval_subscript,
            ast.List: self._eval_list,
            ast.Tuple: self._eval_list,
            ast.Dict: self._eval_dict,
        }

    def _check_disallowed_items(self, item: Any) -> None:
        # simpleeval re-walks every container after every node (quadratic on big lists). Everything built
        # here is made of values checked when they were made, so the top-level type is what is left to check.
        if not isinstance(item, (str, int, float, list, dict, datetime.datetime)) and item is not None:
            raise ExpressionFailed(f"An expression cannot hold a {type(item).__name__}.")

    def _eval_name(self, node: ast.Name) -> Any:
        """A binding of the event or plan first, then the belief with that key (Jason: unbound is false)."""
        if node.id in self.bindings:
            return self.bindings[node.id]
        if node.id in self.beliefs:
            return self.beliefs[node.id]
        raise ExpressionFailed(f"The name '{node.id}' is neither a binding nor a belief of this agent.")

    def _eval_call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
            raise ExpressionFailed("Only the allowed functions can be called.")
        return super()._eval_call(node)

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        container = self._eval(node.value)
        key = self._eval(node.slice)
        if isinstance(container, dict) and isinstance(key, str):
            if key not in container:
                raise ExpressionFailed(f"The object has no key {key!r}.")
            return container[key]
        if isinstance(container, (list, str)) and isinstance(key, int) and not isinstance(key, bool):
            if not -len(container) <= key < len(container):
                raise ExpressionFailed(f"Index {key} is out of range for a {_kind(container)} of {len(container)}.")
            return container[key]
        raise ExpressionFailed(f"Cannot subscript a {_kind(container)} with a {_kind(key)}.")

    def _eval_list(self, node: ast.List | ast.Tuple) -> list[Any]:
        # A tuple is a list: JSON has no tuples, and (1, 2) == [1, 2] should hold.
        items = [self._eval(item) for item in node.elts]
        weight = 1 + sum(_weight(item) for item in items)
        if weight > EXPRESSION_MAX_SIZE:
            raise _too_big(weight)
        return items

    def _eval_dict(self, node: ast.Dict) -> dict[str, Any]:
        result = {self._eval(key): self._eval(value) for key, value in zip(node.keys, node.values, strict=True)}
        weight = _weight(result)
        if weight > EXPRESSION_MAX_SIZE:
            raise _too_big(weight)
        return result

    # The functions. Arity and the constant keys of belief()/has() were checked by the allow-list.

    def belief(self, key: str, default: Any = None) -> Any:
        return self.beliefs.get(key, default)

    def has(self, key: str) -> bool:
        return key in self.beliefs

    def length(self, value: Any) -> int:
        if not isinstance(value, (str, list, dict)):
            raise ExpressionFailed(f"len() takes a text, list or object, not a {_kind(value)}.")
        return len(value)

    def minimum(self, *arguments: Any) -> Any:
        return self._extreme("min", min, arguments)

    def maximum(self, *arguments: Any) -> Any:
        return self._extreme("max", max, arguments)

    @staticmethod
    def _extreme(name: str, pick: Any, arguments: tuple[Any, ...]) -> Any:
        values = _sequence_argument(name, arguments)
        try:
            return pick(values)
        except TypeError:
            kinds = sorted({_kind(value) for value in values})
            raise ExpressionFailed(f"{name}() cannot compare {' and '.join(kinds)}.") from None

    def absolute(self, value: Any) -> Any:
        if not _is_number(value):
            raise ExpressionFailed(f"abs() takes a number, not a {_kind(value)}.")
        return _number(abs(value))

    def round(self, value: Any, digits: Any = None) -> Any:
        if not _is_number(value):
            raise ExpressionFailed(f"round() takes a number, not a {_kind(value)}.")
        if digits is None:
            return _number(round(value))
        if not isinstance(digits, int) or isinstance(digits, bool) or abs(digits) > EXPRESSION_MAX_INT_DIGITS:
            raise ExpressionFailed(f"round()'s digits are a whole number within ±{EXPRESSION_MAX_INT_DIGITS}.")
        return _number(round(value, digits))

    def current_time(self) -> datetime.datetime:
        return self.now

    def days_since(self, moment: Any) -> float:
        return (self.now - to_datetime(moment)).total_seconds() / 86400


def run(tree: ast.Expression, *, beliefs: Mapping[str, Any], bindings: Mapping[str, Any],
        now: datetime.datetime | None) -> Any:
    """Evaluate an allowed tree to a JSON value; every failure is ExpressionFailed."""
    if now is None:
        now = datetime.datetime.now(_UTC)
    now = now.replace(tzinfo=_UTC) if now.tzinfo is None else now.astimezone(_UTC)
    try:
        return to_json(Evaluation(beliefs=beliefs, bindings=bindings, now=now)._eval(tree.body))
    except ExpressionFailed:
        raise
    except ZeroDivisionError:
        raise ExpressionFailed("Division by zero.") from None
    except RecursionError:
        raise ExpressionFailed("The expression's values are nested too deeply.") from None
    except Exception as exc:  # the contract: whatever Python raises, the caller sees ExpressionFailed
        raise ExpressionFailed(f"The expression failed: {type(exc).__name__}: {exc}"[:500]) from None


def to_json(value: Any) -> Any:
    """The result as a JSON value: a datetime becomes ISO-8601 text; anything too big or not JSON fails."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    weight = _weight(value)
    if weight > EXPRESSION_MAX_SIZE:
        raise _too_big(weight)
    return _converted(value)


def _converted(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_converted(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ExpressionFailed("An object's keys must be texts.")
        return {key: _converted(item) for key, item in value.items()}
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return _number(value)
    raise ExpressionFailed(f"The result is a {_kind(value)}, not a JSON value.")
