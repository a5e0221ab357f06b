"""What a move of a run decided (``Outcome``: accept, terminal, not-understood) and the record of a refusal on
the run (``refusal``): shared by the generic moves (``services.run_apply``) and Contract-Net's
(``contract_net.cnet_message``), so that ``services`` may use Contract-Net's moves without an import circle."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from agents.messaging.models import Message
from agents.protocols.models import ProtocolRun

#: How many refused messages a run keeps in ``rejected`` (the newest).
REJECTED_KEPT = 20
ACCEPT, TERMINAL_OUTCOME, NOT_UNDERSTOOD = "accept", "terminal", "not_understood"


@dataclass(frozen=True)
class Outcome:
    """What a move decided: the verdict, the run's state after it, and why (for a refusal, the
    not-understood's reason)."""

    verdict: str
    state: str
    why: str = ""


def refusal(run: ProtocolRun, message: Message | None, why: str, now: datetime.datetime) -> Outcome:
    """A move refused: the message is appended to the run's ``rejected`` (when there is one); nothing else changes."""
    if message is not None:
        entry = {"message": str(message.pk), "sender": str(message.sender_agent_id or ""),
                 "performative": message.performative, "why": why, "at": now.isoformat()}
        run.rejected = [*(run.rejected or []), entry][-REJECTED_KEPT:]
        run.version += 1
        run.updated_at = now
    return Outcome(NOT_UNDERSTOOD, run.state, why)
