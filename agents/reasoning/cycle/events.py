"""From a stored event to the trigger plans are matched against (Jason's triggering event).

| event kind | trigger | name | values (what a plan's args bind, in order) |
|---|---|---|---|
| goal_added | ``+!g`` | the goal's name | the goal's arguments |
| goal_failed | ``-!g`` | the goal's name | the goal's arguments |
| belief_added, belief_changed | ``+b`` | the key | value |
| belief_removed | ``-b`` | the key | the value it had |
| message | ``^message:performative`` | the performative | content, sender (an agent id), conversation |
| action_result | ``^action_result:name`` | the action | result, error |
| approval | ``^approval:name`` | its name | decision, note |
| timer | ``^timer:name`` | its name | payload |

A changed belief is Jason's ``-+b``: the ``+b`` plans see it. A message's trigger also keeps what a reply
needs (the message, its conversation, its sender), so a ``send`` back to the sender continues the
conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.reasoning.events.models import AgentEvent, EventKind
from agents.reasoning.plans.triggers import TriggerKind


@dataclass
class EventTrigger:
    kind: str
    name: str
    values: list[Any] = field(default_factory=list)
    ontology: str = ""
    protocol: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    reply: dict[str, Any] | None = None


_KINDS = {EventKind.GOAL_ADDED: TriggerKind.GOAL_ADDED, EventKind.GOAL_FAILED: TriggerKind.GOAL_FAILED,
          EventKind.BELIEF_ADDED: TriggerKind.BELIEF_ADDED, EventKind.BELIEF_CHANGED: TriggerKind.BELIEF_ADDED,
          EventKind.BELIEF_REMOVED: TriggerKind.BELIEF_REMOVED, EventKind.ACTION_RESULT: TriggerKind.ACTION_RESULT,
          EventKind.APPROVAL: TriggerKind.APPROVAL, EventKind.TIMER: TriggerKind.TIMER}


def event_trigger(event: AgentEvent, mind: Any) -> EventTrigger | None:
    """The trigger of ``event``; None for an event no plan can match (a message whose row is gone)."""
    args = event.args or {}
    if event.kind == EventKind.MESSAGE:
        message = mind.messages.get(event.message_id)
        if message is None:
            return None
        sender = str(message.sender_agent_id) if message.sender_agent_id else None
        reply = {"message": str(message.pk), "conversation": str(message.conversation_id), "sender": sender}
        return EventTrigger(kind=TriggerKind.MESSAGE, name=message.performative,
                            values=[message.content, sender, str(message.conversation_id)],
                            ontology=message.ontology, protocol=message.protocol, reply=reply)
    kind = _KINDS.get(event.kind)
    if kind is None:
        return None
    if kind in (TriggerKind.GOAL_ADDED, TriggerKind.GOAL_FAILED):
        values = args.get("args") or []
        return EventTrigger(kind=kind, name=str(args.get("name", "")), values=list(values) if isinstance(values, list)
                            else [values])
    if kind == TriggerKind.BELIEF_ADDED:
        return EventTrigger(kind=kind, name=str(args.get("key", "")), values=[args.get("value")])
    if kind == TriggerKind.BELIEF_REMOVED:
        return EventTrigger(kind=kind, name=str(args.get("key", "")), values=[args.get("previous")])
    if kind == TriggerKind.ACTION_RESULT:
        return EventTrigger(kind=kind, name=str(args.get("name", "")), values=[args.get("result"), args.get("error")])
    if kind == TriggerKind.APPROVAL:
        return EventTrigger(kind=kind, name=str(args.get("name", "")), values=[args.get("decision"), args.get("note")])
    return EventTrigger(kind=kind, name=str(args.get("name", "")), values=[args.get("payload")])


def matches(pattern: dict[str, Any], trigger: EventTrigger) -> bool:
    """Whether a ``wait`` step's event pattern (a stored trigger) matches ``trigger``."""
    if pattern.get("kind") != trigger.kind:
        return False
    if trigger.kind == TriggerKind.MESSAGE:
        return (pattern.get("performative") == trigger.name
                and pattern.get("ontology", "") in ("", trigger.ontology)
                and pattern.get("protocol", "") in ("", trigger.protocol))
    return pattern.get("name") == trigger.name
