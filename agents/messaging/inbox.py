"""An internal agent's inbox: where the delivery worker hands a message over, through a registered handler.

Handing a delivery to an internal agent means storing it as an event the agent reasons over. Those
events belong to reasoning (``agents.reasoning.events``), which comes after messaging: messaging may not
import it (LAYOUT.md, rules of direction). So reasoning registers the one handler here (from
``AgentsConfig.ready``), and the hand-over calls it with the whole batch, inside the hand-over
transaction, just before it acks the deliveries: the events, the wake-up of their agents and the acks
commit together, or none of them does.

The handler must store at most one event per delivery (a retried hand-over after a crash calls it again
with the same deliveries) and must not fail on a repeat. With no handler registered a hand-over fails
loudly rather than ack messages nobody stored.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, NamedTuple


class InboxItem(NamedTuple):
    """One delivery handed to an internal agent."""

    delivery_id: Any
    recipient_id: Any
    message_id: Any


#: Stores the batch (and wakes its agents) in the caller's transaction.
InboxHandler = Callable[[list[InboxItem], datetime.datetime], None]

_handler: list[InboxHandler] = []


class NoInboxHandler(RuntimeError):
    """Nothing would store the internal deliveries: acking them would lose them."""


def inbox_handler_register(handler: InboxHandler) -> None:
    """Register the handler of internal deliveries: one per process (registering it again changes nothing)."""
    if _handler and _handler[0] is not handler:
        raise RuntimeError(f"an inbox handler is already registered: {_handler[0]!r}")
    _handler[:] = [handler]


def inbox_hand_over(items: list[InboxItem], now: datetime.datetime) -> None:
    """Give ``items`` to the registered handler, in the caller's transaction."""
    if not items:
        return
    if not _handler:
        raise NoInboxHandler("no inbox handler is registered (AgentsConfig.ready registers reasoning's)")
    _handler[0](items, now)
