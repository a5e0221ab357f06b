"""What the protocol sweeper needs from reasoning, through registration hooks (LAYOUT.md, rules of direction).

A run's state is written by its initiator's reasoning cycle while that batch holds the initiator's runtime
row, and by the sweeper. For the two never to write one run at once (and never to deadlock), the sweeper
first locks the initiators' runtime rows the way the claim does (``SKIP LOCKED``: an agent being reasoned
is skipped this round, its run is swept a second later). Runtime rows belong to reasoning, which comes
after protocols, so reasoning registers that lock, and the handler that turns closed runs into
``protocol`` events of their initiators, here (from ``AgentsConfig.ready``). Both run in the sweeper's
transaction: the timeout and the initiator's event commit together, or neither does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class RunClosed(NamedTuple):
    """A run the sweeper closed: whom to tell, and what happened."""

    run_id: Any
    initiator_id: Any
    intention_id: Any
    protocol: str
    state: str
    reason: str
    #: Contract-Net, when the reply-by deadline closed the call: the proposals and refusals to decide on.
    result: Any = None


#: Locks the runtime rows of the given agents that no one else holds; returns the ids it locked.
OwnerLock = Callable[[list[Any]], set[Any]]
#: Posts the events of closed runs, in the caller's transaction.
ClosedHandler = Callable[[list[RunClosed]], None]

_lock: list[OwnerLock] = []
_closed: list[ClosedHandler] = []


class NoProtocolHooks(RuntimeError):
    """The sweeper would close runs nobody hears of: it refuses to run."""


def protocol_hooks_register(*, lock: OwnerLock, closed: ClosedHandler) -> None:
    """Register the owner lock and the closed-run handler (once per process; again with the same ones is fine)."""
    if _lock and (_lock[0] is not lock or _closed[0] is not closed):
        raise RuntimeError("protocol hooks are already registered")
    _lock[:], _closed[:] = [lock], [closed]


def owners_lock(agent_ids: list[Any]) -> set[Any]:
    if not _lock:
        raise NoProtocolHooks("no protocol hooks are registered (AgentsConfig.ready registers reasoning's)")
    return _lock[0](agent_ids)


def runs_closed(closed: list[RunClosed]) -> None:
    if closed:
        if not _closed:
            raise NoProtocolHooks("no protocol hooks are registered (AgentsConfig.ready registers reasoning's)")
        _closed[0](closed)
