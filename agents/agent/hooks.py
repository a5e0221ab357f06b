"""What later packages do when an agent becomes internal, or stops being one: a registration hook.

Only an internal agent reasons, and reasoning keeps a row per internal agent (its runtime row,
``agents.reasoning.runtime``). The agent services create and re-kind agents, but the agent package comes
before reasoning and may not import it (LAYOUT.md, rules of direction), so reasoning registers a function
here (from ``AgentsConfig.ready``) and the services call it inside their own transaction: the agent and its
runtime row commit together, or neither does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: Called with the ids of agents that became internal and of agents that stopped being internal.
KindHook = Callable[[list[Any], list[Any]], None]

_hooks: list[KindHook] = []


def agent_kind_hook_register(hook: KindHook) -> None:
    """Register ``hook`` (once; registering the same function again changes nothing)."""
    if hook not in _hooks:
        _hooks.append(hook)


def agent_kinds_changed(*, internal: Iterable[Any] = (), external: Iterable[Any] = ()) -> None:
    """Tell every registered hook which agents are now internal and which are now external.

    Called by the agent services within the transaction that creates or re-kinds the agents.
    """
    internal, external = list(internal), list(external)
    if not internal and not external:
        return
    for hook in _hooks:
        hook(internal, external)


#: Called, after the transition commits, with the ids of agents that became active again (resume, restart).
ResumeHook = Callable[[list[Any]], None]
_resume_hooks: list[ResumeHook] = []


def agent_resume_hook_register(hook: ResumeHook) -> None:
    """Register ``hook`` (once): reasoning wakes a resumed agent so it reasons over what waited meanwhile."""
    if hook not in _resume_hooks:
        _resume_hooks.append(hook)


def agents_resumed(agent_ids: Iterable[Any]) -> None:
    """Tell every registered hook which agents are active again. Called after the transition commits: a hook
    that writes runtime rows must not run while the transition holds the agent row and the audit chain
    (lock order: agent, runtime, audit; docs/reasoning.md)."""
    ids = list(agent_ids)
    for hook in _resume_hooks:
        hook(ids)
