"""The values an expression computes with: JSON values and instants, their bounds, and how a failure is told.

Every number an evaluation makes goes through ``number`` (no integer past EXPRESSION_MAX_INT_DIGITS digits,
no infinity or NaN), every text, list or object it builds is weighed first (no value past
EXPRESSION_MAX_SIZE characters or elements), and its result leaves through ``Weights.to_json``.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from agents.common.limits import EXPRESSION_MAX_INT_DIGITS, EXPRESSION_MAX_SIZE

_INT_LIMIT = 10**EXPRESSION_MAX_INT_DIGITS
UTC = datetime.UTC
_CONTAINERS = (list, tuple, dict)


class ExpressionFailed(Exception):
    """Evaluation failed at run time (a missing name, a type error, division by zero, a bound exceeded).

    The cycle treats it as "context does not hold" (Jason: an unbound variable makes a context false) or as
    a failing step. ``message`` says what failed, in words a plan author can act on.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BoundExceeded(ExpressionFailed):
    """A value would pass a size bound (digits, characters, elements). Raised before the value is computed;
    when the text alone shows it (`9**9**9`), the allow-list refuses the text instead."""


def kind(value: object) -> str:
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


def is_number(value: object) -> bool:
    return isinstance(value, (int, float))


def number(value: Any) -> Any:
    """A computed number, if it is one JSON can hold and our bounds allow."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -_INT_LIMIT < value < _INT_LIMIT:
            return value
        raise BoundExceeded(f"A number would have more than {EXPRESSION_MAX_INT_DIGITS} digits.")
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise BoundExceeded("A number would be too large (or not a number) for JSON.")
    raise ExpressionFailed(f"The result is a {kind(value)}, not a real number.")


def too_big() -> BoundExceeded:
    return BoundExceeded(f"The expression would build a value of more than {EXPRESSION_MAX_SIZE} characters "
                         "or elements.")


class Weights:
    """How big values are, remembered for one evaluation so that no value is walked twice.

    A value's weight is the characters of its texts and keys plus one per value, counted through nesting as
    JSON would print it (a part shared twice counts twice). Remembered by identity, with the value kept
    alive so that its id is not reused: nothing an evaluation holds is ever mutated while it runs.
    """

    def __init__(self) -> None:
        self.known: dict[int, tuple[Any, int]] = {}

    def of(self, value: Any) -> int:
        if isinstance(value, str):
            return len(value) or 1
        if not isinstance(value, _CONTAINERS):
            return 1
        known = self.known.get(id(value))
        if known is not None:
            return known[1]
        total = 1
        if isinstance(value, dict):
            total += sum(len(key) if isinstance(key, str) else 1 for key in value)
            items = value.values()
        else:
            items = value
        for item in items:
            total += self.of(item) if isinstance(item, (str, *_CONTAINERS)) else 1
            if total > EXPRESSION_MAX_SIZE:
                break  # too big is too big: no need to count the rest
        self.known[id(value)] = (value, total)
        return total

    def made(self, value: Any, weight: int) -> Any:
        """``value`` was just built with this weight (known without walking it); refuse it if too big."""
        if weight > EXPRESSION_MAX_SIZE:
            raise too_big()
        if isinstance(value, _CONTAINERS):
            self.known[id(value)] = (value, weight)
        return value

    def to_json(self, value: Any) -> Any:
        """The result as a JSON value: an instant becomes ISO-8601 text; anything too big or not JSON fails."""
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)):
            return number(value)
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        if self.of(value) > EXPRESSION_MAX_SIZE:
            raise too_big()
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
        return number(value)
    raise ExpressionFailed(f"The result is a {kind(value)}, not a JSON value.")


def to_datetime(value: Any) -> datetime.datetime:
    """An instant from ISO-8601 text, epoch seconds or an instant; a naive one is taken as UTC."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str) and len(value) <= 64:
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise ExpressionFailed(f"{value!r} is not an ISO-8601 timestamp.") from None
    elif is_number(value) and not isinstance(value, bool):
        try:
            return datetime.datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ExpressionFailed(f"{value!r} is not a timestamp in epoch seconds.") from None
    else:
        raise ExpressionFailed(f"A timestamp is ISO-8601 text or epoch seconds, not a {kind(value)}.")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc(now: datetime.datetime | None) -> datetime.datetime:
    """The evaluation's clock: the one given (a naive one is UTC), or the current instant."""
    if now is None:
        return datetime.datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
