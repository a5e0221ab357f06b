"""What one cycle of one agent reads (its ``Mind``) and what it leaves to be written.

The claim loads the minds of a whole batch in a few queries (``cycle/batch.py``); the interpreter changes
them in Python only; ``cycle/writes.py`` writes every mind's results back in bulk. Nothing here touches
the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from agents.agent.models import Agent
from agents.messaging.models import Message
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.intentions.models import Intention
from agents.reasoning.models import Goal


@dataclass
class Draft:
    """A message a ``send`` step asks for, written with the batch (idempotency key: intention and step)."""

    recipients: list[Any]
    performative: str
    content: Any
    ontology: str
    protocol: str
    conversation_id: Any
    in_reply_to: Message | None
    key: str
    reply_by: datetime.datetime | None = None


@dataclass
class Mind:
    agent: Agent
    cycle_count: int                    # its runtime row's, as claimed
    beliefs: dict[str, Any]
    events: list[AgentEvent]
    more_events: bool
    intentions: list[Intention]
    goals: dict[str, Goal]              # the goals the batch's events and frames name, and maintain goals
    messages: dict[Any, Message]        # the messages of its message events
    runs: dict[Any, Any] = field(default_factory=dict)  # conversation id -> ProtocolRun (sessions prefetched)
    subscriptions: list[Any] = field(default_factory=list)  # its active ProtocolSubscriptions (belief events only)
    told: dict[str, Any] = field(default_factory=dict)  # version id -> PlanVersion its told-plan messages name
    adopts: bool = False                # its role adopts told plans (loaded only when it is told one)

    # What the cycle did, for writes.py:
    consumed: list[int] = field(default_factory=list)
    new_events: list[AgentEvent] = field(default_factory=list)
    belief_writes: dict[str, tuple[bool, Any]] = field(default_factory=dict)  # key -> (present, value)
    new_intentions: set[Any] = field(default_factory=set)
    changed_intentions: set[Any] = field(default_factory=set)
    new_goals: list[Goal] = field(default_factory=list)
    goal_status: dict[str, str] = field(default_factory=dict)
    drafts: list[Draft] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)  # NewActionRequest
    approvals: list[Any] = field(default_factory=list)  # NewApprovalRequest
    new_runs: list[Any] = field(default_factory=list)  # (ProtocolRun, ProtocolSession) of start_protocol steps
    changed_runs: dict[Any, Any] = field(default_factory=dict)  # run id -> ProtocolRun moved by this cycle
    collected: dict[Any, Any] = field(default_factory=dict)  # Contract-Net run id -> the proposals just collected
    changed_sessions: dict[Any, Any] = field(default_factory=dict)  # session id -> ProtocolSession
    ended_subscriptions: set[Any] = field(default_factory=set)  # (run id, participant id) it no longer reports
    used_versions: set[Any] = field(default_factory=set)
    outcomes: list[Any] = field(default_factory=list)  # learned.Outcome of every plan frame that ended
    adoptions: list[dict[str, Any]] = field(default_factory=list)  # told plans adopted (cycle/told.py)
    trace: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    duration_us: int = 0

    def has_work(self) -> bool:
        """Due again at once: events wait, or an intention can take a step."""
        return bool(self.more_events or len(self.events) > len(self.consumed) or self.new_events
                    or any(i.status == "running" for i in self.intentions))

    def next_timer(self) -> datetime.datetime | None:
        """The earliest timeout of a waiting intention: when the agent is due if nothing else happens."""
        times = [i.wait_until for i in self.intentions if i.status == "waiting" and i.wait_until is not None]
        return min(times) if times else None
