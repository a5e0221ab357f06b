"""Safe expressions: the contexts, constraints and conditions of plans (RUNTIME.md §2, docs/reasoning.md).

An expression is one Python-like expression over JSON values: the agent's beliefs and the event's
bindings. Two walls keep it safe. The first is ours (allow_list.py): `compile_expression` parses the text
once and checks every node of its syntax tree against an allow-list when the plan is saved, refusing
anything else with a 400 naming the construct. The second is simpleeval (evaluation.py), configured with
only our node handlers, operators and functions, so that a gap in the first wall meets a second one.
values.py holds what an evaluation computes with: JSON values, instants, their size bounds.
Nothing an expression reaches has attributes worth reading: names resolve to JSON values, the functions
are ours, and attribute access is not in the language. Size bombs (`9**9**9`, `'a' * 10**10`) are refused
before they are computed: when the plan is saved where the text shows them, while running (as
ExpressionFailed) where only the values do.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.common.errors import invalid
from agents.common.limits import EXPRESSION_MAX_CHARS
from agents.reasoning.expressions.allow_list import FUNCTIONS, RESERVED, Analysis, Refused, analyse
from agents.reasoning.expressions.evaluation import run
from agents.reasoning.expressions.values import ExpressionFailed

__all__ = ["FUNCTIONS", "CompiledExpression", "ExpressionFailed", "compile_expression"]

#: Distinct expression texts kept parsed: far more than the plans of a deployment hold.
CACHE_SIZE = 4096


@dataclass(frozen=True)
class CompiledExpression:
    """An expression that passed the allow-list, parsed once; evaluate it as often as needed."""

    source: str
    #: Free bare names used: each is a binding of the event or plan, or else the belief with that key.
    names: frozenset[str]
    #: The constant keys given to belief("k", ...) and has("k").
    belief_keys: frozenset[str]
    _analysis: Analysis = field(repr=False, compare=False)

    def belief_reads(self, bound_names: Iterable[str] = ()) -> frozenset[str]:
        """Every belief key this expression may read, given the names the plan binds: the beliefs whose
        change can change its value (what a maintain goal's condition is re-checked on)."""
        return self.belief_keys | (self.names - frozenset(bound_names))

    def evaluate(self, *, beliefs: Mapping[str, Any], bindings: Mapping[str, Any],
                 now: datetime.datetime | None = None) -> Any:
        """The expression's JSON value; ExpressionFailed, and nothing else, when it cannot be computed.

        ``now`` is the cycle's clock (aware; a naive one is taken as UTC): pass it so that every expression
        of one cycle sees the same instant and a replayed cycle decides the same way. A datetime result
        (``now()``) is returned as ISO-8601 text.
        """
        return run(self._analysis.tree, beliefs=beliefs, bindings=bindings, now=now)


def compile_expression(source: str, *, field: str = "context", bound_names: Iterable[str] = (),
                       ) -> CompiledExpression:
    """Check ``source`` against the allow-list (RUNTIME.md §2) and parse it once.

    A refusal raises ``invalid(field, "<what is refused, naming the construct>")``, a 400 naming the field.
    Cached per source text, so a plan version's expressions are parsed once however often the cycle runs
    them, and the same text gives the same object. ``bound_names`` are the names the plan binds: only they
    may be a subscript key (``prices[segment]``) or shadow a Python builtin's name (``type``).
    """
    if not isinstance(source, str):
        raise invalid(field, "An expression must be a text.")
    if len(source) > EXPRESSION_MAX_CHARS:
        raise invalid(field, f"The expression is too long: {len(source)} characters; the limit is "
                             f"{EXPRESSION_MAX_CHARS}.")
    outcome = _compiled(source)
    if isinstance(outcome, str):
        raise invalid(field, outcome)
    if isinstance(bound_names, str):  # one name, not its letters
        bound_names = (bound_names,)
    unbound = outcome._analysis.needs_binding - frozenset(bound_names)
    if unbound:
        name = min(unbound)
        if name in RESERVED:
            raise invalid(field, f"The name '{name}' is a Python builtin's and is not allowed in an expression "
                                 f"unless the plan binds it; read a belief of that key with belief('{name}').")
        raise invalid(field, f"A subscript key must be a constant (x['k'], x[0]) or a name the plan binds; "
                             f"'{name}' is not bound.")
    return outcome


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compiled(source: str) -> CompiledExpression | str:
    """The compiled expression, or why it is refused: cached either way, so a refused text is refused again
    without a second parse, and the refusal names the caller's field each time."""
    try:
        analysis = analyse(source)
    except Refused as refused:
        return refused.message
    return CompiledExpression(source=source, names=analysis.names, belief_keys=analysis.belief_keys,
                              _analysis=analysis)
