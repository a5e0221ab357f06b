"""FIPA Subscribe in the cycle: the initiator resumed at the agree, the participant's informs on every change.

- **Initiator.** Its ``start_protocol`` step (protocol ``subscribe``, content ``{"belief": key}``) waits for
  the response only: at the ``agree`` the run becomes ``subscribed`` and the intention resumes, ``bind``
  bound to the agree's content. From then on the run has no deadline and nobody waits on it: every inform
  (and a closing failure) is checked against the run and then goes on to plan selection as a message event
  (``^message:inform(Change, Sender)[protocol("fipa-subscribe")]``).
- **Participant.** Its plans answer the ``subscribe`` like any opening act (agree, refuse; none applicable:
  ``no_plan``). When its ``agree`` goes out, a ``ProtocolSubscription`` row records the promise. Every belief
  event of that key it takes (its own plan steps and writes through the belief services alike post one)
  sends an ``inform`` ``{"belief", "value"}`` (``{"belief", "removed": true}`` for a removal) in the run's
  conversation, keyed by the event (a replayed cycle sends nothing twice); events are taken in order and
  messaging keeps order per conversation and recipient, so the informs arrive in the order of the changes.
  A ``failure`` it sends in the conversation ends the promise; so does the initiator's ``cancel``, which it
  answers with ``failure {"reason": "cancelled"}`` (the subscribe-specific part of cancel; the generic
  cancel meta-protocol is not this module's). A ``not-understood`` from the initiator in the conversation
  (its run had closed, e.g. timed out, before the agree came) ends it too, and still reaches the
  participant's plans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agents.protocols.models import ProtocolSubscription
from agents.protocols.transitions import SUBSCRIBE
from agents.reasoning.cycle.state import Draft, Mind
from agents.reasoning.events.models import EventKind

if TYPE_CHECKING:
    from agents.reasoning.events.models import AgentEvent

Cycle = Any

BELIEF_EVENTS = frozenset({EventKind.BELIEF_ADDED, EventKind.BELIEF_CHANGED, EventKind.BELIEF_REMOVED})
CANCELLED = {"reason": "cancelled"}


def subscribed_key(content: Any) -> str | None:
    """The belief key a subscribe's content names (``{"belief": key}``), or None."""
    if isinstance(content, dict) and isinstance(content.get("belief"), str) and content["belief"].strip():
        return content["belief"]
    return None


def subscription_agreed(cycle: Cycle, intention: Any, content: Any) -> None:
    """The initiator's ``start_protocol(subscribe, ...)`` resumes at the agree, ``bind`` = its content."""
    wait = intention.wait or {}
    bound = {wait["bind"]: content} if wait.get("bind") else {}
    cycle.resume(intention, bound, f"subscribe to {wait.get('to', '?')}: agreed")


def subscription_informs(cycle: Cycle, event: AgentEvent) -> None:
    """A participant's belief event: an inform to every initiator subscribed to that belief."""
    mind: Mind = cycle.mind
    key = (event.args or {}).get("key")
    if event.kind not in BELIEF_EVENTS or not key:
        return
    if event.kind == EventKind.BELIEF_REMOVED:
        content: dict[str, Any] = {"belief": key, "removed": True}
    else:
        content = {"belief": key, "value": event.args.get("value")}
    for subscription in mind.subscriptions:
        if subscription.belief != key or (subscription.run_id, mind.agent.pk) in mind.ended_subscriptions:
            continue
        mind.drafts.append(Draft(recipients=[subscription.initiator_id], performative="inform", content=content,
                                 ontology="", protocol=SUBSCRIBE, conversation_id=subscription.run_id,
                                 in_reply_to=None, key=f"protocol:{subscription.run_id}:inform:{event.pk}"))
        cycle.trace["steps"].append({"kind": "subscription", "result": "ok",
                                     "detail": f"{key} changed: inform sent in run {subscription.run_id}"})


def subscription_message(cycle: Cycle, event: AgentEvent) -> bool:
    """The initiator's ``cancel`` of a subscribe run, at its participant: the promise ends, and the answer is a
    ``failure {"reason": "cancelled"}`` that closes the run; True: no plan is selected for it. Its
    ``not-understood`` (the run is closed) ends the promise too; False: the participant's plans may handle it."""
    mind: Mind = cycle.mind
    message = mind.messages.get(event.message_id)
    if message is None or message.performative not in ("cancel", "not-understood"):
        return False
    run = mind.runs.get(message.conversation_id)
    me = mind.agent.pk
    if (run is None or run.protocol != SUBSCRIBE or run.initiator_id != message.sender_agent_id
            or run.initiator_id == me):
        return False
    if not any(session.participant_id == me for session in run.sessions.all()):
        return False
    mind.ended_subscriptions.add((run.pk, me))
    if message.performative == "not-understood":
        cycle.trace["steps"].append({"kind": "subscription", "result": "ended",
                                     "detail": f"{SUBSCRIBE} run {run.pk}: the initiator did not understand"})
        return False
    mind.drafts.append(Draft(recipients=[run.initiator_id], performative="failure", content=CANCELLED,
                             ontology=message.ontology, protocol=SUBSCRIBE, conversation_id=run.pk,
                             in_reply_to=message, key=f"protocol:{run.pk}:cancelled:{me}"))
    cycle.trace["choice"] = {"why": f"{SUBSCRIBE} run {run.pk} cancelled by its initiator: no more informs"}
    return True


def subscriptions_from_drafts(mind: Mind, now: Any) -> tuple[list[ProtocolSubscription], list[tuple[Any, Any]]]:
    """What the participant's sends promise or end: an ``agree`` answering a ``subscribe`` (the message its
    frame replies to, in the same conversation) makes a subscription; a ``failure`` there ends it."""
    new, ended = [], list(mind.ended_subscriptions)
    me = mind.agent.pk
    for draft in mind.drafts:
        if draft.protocol != SUBSCRIBE or draft.performative not in ("agree", "failure"):
            continue
        opening = draft.in_reply_to
        if draft.performative == "failure":
            if (draft.conversation_id, me) not in ended:
                ended.append((draft.conversation_id, me))
            continue
        if (opening is None or opening.performative != "subscribe" or not opening.sender_agent_id
                or opening.conversation_id != draft.conversation_id or draft.recipients != [opening.sender_agent_id]):
            continue
        key = subscribed_key(opening.content)
        if key is not None:
            new.append(ProtocolSubscription(run_id=draft.conversation_id, participant_id=me,
                                            initiator_id=opening.sender_agent_id, belief=key[:200],
                                            created_at=now, updated_at=now))
    return new, ended
