"""What a later package does when people answer a question it asked (a standalone approval request).

Supervision (a later package) asks people what to do with an escalated agent; approvals may not import it
(LAYOUT.md, rules of direction), so supervision registers a function here from ``AgentsConfig.ready``. It is
called after the decision commits, in a transaction of its own: the decision stands whatever the hook does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Called with the request's id, its name, the decision (approved, rejected, expired) and who decided.
AnswerHook = Callable[[Any, str, str, Any], None]
_hooks: list[AnswerHook] = []


def approval_answer_hook_register(hook: AnswerHook) -> None:
    """Register ``hook`` (once; registering the same function again changes nothing)."""
    if hook not in _hooks:
        _hooks.append(hook)


def approval_answered(request_id: Any, name: str, decision: str, by: Any) -> None:
    for hook in _hooks:
        hook(request_id, name, decision, by)
