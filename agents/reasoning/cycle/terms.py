"""The terms of a step computed in a frame: values with ``{"expr": ...}`` inside, conditions, JSON content.

Separate from the steps (steps.py) so that every module of steps computes a term the same way; an expression
that cannot be computed fails the step (``expression``), a condition that cannot be computed is false.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agents.common.validation import check_json
from agents.reasoning.cycle.errors import StepFailed
from agents.reasoning.expressions import ExpressionFailed, compile_expression
from mabos.errors import InvalidInput

if TYPE_CHECKING:  # the interpreter calls these; they only name its type
    from agents.reasoning.cycle.interpreter import Cycle


def value(cycle: Cycle, frame: dict[str, Any], term: Any, *, path: str = "") -> Any:
    """A term computed: every ``{"expr": ...}`` inside it evaluated over beliefs and the frame's bindings."""
    if isinstance(term, dict) and list(term) == ["expr"]:
        return evaluate(cycle, frame, term["expr"])
    if isinstance(term, dict):
        return {key: value(cycle, frame, item) for key, item in term.items()}
    if isinstance(term, list):
        return [value(cycle, frame, item) for item in term]
    return term


def evaluate(cycle: Cycle, frame: dict[str, Any], source: str) -> Any:
    try:
        compiled = compile_expression(source, field="expression", bound_names=frame["bindings"].keys())
        return compiled.evaluate(beliefs=cycle.mind.beliefs, bindings=frame["bindings"], now=cycle.now)
    except ExpressionFailed as failed:
        raise StepFailed("expression", f"{source}: {failed.message}") from None
    except InvalidInput as invalid:
        raise StepFailed("expression", f"{source}: {invalid}") from None


def truth(cycle: Cycle, frame: dict[str, Any], source: str) -> tuple[bool, str]:
    """A condition's truth; one that cannot be computed is false, as a Jason context with an unbound var."""
    try:
        return bool(evaluate(cycle, frame, source)), ""
    except StepFailed as failed:
        return False, failed.message


def content_checked(result: Any, path: str, max_chars: int | None = None) -> Any:
    """``result`` if it is JSON a message or belief may hold (within ``max_chars``), else the step fails."""
    try:
        check_json(path, result, **({"max_chars": max_chars} if max_chars else {}))
    except InvalidInput as invalid:
        raise StepFailed("bad_content", str(invalid)) from None
    return result
