"""The writes a person makes to protocol runs (the API's and the admin's doors): start, reply, decide, cancel.

Unlike the cycle's bookkeeping (``services``) they are audited, and each is one transaction with the message
it sends. A run is written only by whoever holds its initiator's runtime row (models.py): the two that
change a run (decide, cancel) take that row ``SKIP LOCKED`` like the sweeper, so a cycle holding it now
makes them a 409 ``protocol_run_busy`` (try again), never a second writer.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.agent.models import Agent, AgentKind
from agents.common.audit import record
from agents.common.errors import invalid
from agents.messaging.models import Message
from agents.messaging.services.send import message_send
from agents.protocols.contract_net import cnet_accept, cnet_build, cnet_message
from agents.protocols.hooks import RunClosed, owners_lock, runs_closed
from agents.protocols.models import ProtocolRun, ProtocolSession
from agents.protocols.outcomes import NOT_UNDERSTOOD, Outcome
from agents.protocols.services import run_apply, run_build, run_cancel_apply, runs_write
from agents.protocols.transitions import (
    CANCEL_ACT,
    CONTRACT_NET,
    OPENINGS,
    PARTICIPANT,
    PROTOCOL_RESPONSE_TIMEOUT,
    PROTOCOL_RESULT_TIMEOUT,
    RunState,
)
from auditlog.models import Action
from mabos.errors import Conflict


def _open_opening(run: ProtocolRun) -> Message | None:
    """The act that opened ``run`` (what its replies answer)."""
    return (Message.objects.filter(organization_id=run.organization_id, conversation_id=run.pk,
                                   sender_agent_id=run.initiator_id, in_reply_to__isnull=True)
            .order_by("created_at", "id").first())


@transaction.atomic
def run_start(*, by: Any, initiator: Agent, participants: list[Agent], opening: str, content: Any = None,
              response_timeout: float = PROTOCOL_RESPONSE_TIMEOUT,
              result_timeout: float = PROTOCOL_RESULT_TIMEOUT) -> ProtocolRun:
    """A person opens a run as ``initiator`` (an agent they may operate, checked by the caller): the run, built
    as a ``start_protocol`` step builds it but with no intention waiting, and its opening act
    (``message_send``) commit together with the audit event, or nothing does. A cfp goes to every participant
    (a session each); the others have exactly one. A Contract-Net call nobody waits on is decided by the
    initiator's ``^protocol:all_responses`` plans, or by a person (``run_decide``)."""
    if opening not in OPENINGS:
        raise invalid("protocol", f"Unknown opening {opening!r}; one of: {', '.join(sorted(OPENINGS))}.")
    if initiator.kind != AgentKind.INTERNAL:
        raise invalid("initiator", "Only an internal agent initiates a run: its cycle takes the replies.")
    unique = list({agent.pk: agent for agent in participants}.values())
    if not unique:
        raise invalid("to", "Name at least one participant.")
    if opening != "cfp" and len(unique) != 1:
        raise invalid("to", f"A {opening} has one participant; a cfp may have several.")
    if any(agent.pk == initiator.pk for agent in unique):
        raise invalid("to", "An agent does not open a protocol run with itself.")
    if any(agent.organization_id != initiator.organization_id for agent in unique):
        raise invalid("to", "A participant belongs to another organization.")
    now = timezone.now()
    if opening == "cfp":
        pairs = cnet_build(run_id=uuid.uuid4(), organization_id=initiator.organization_id,
                           initiator_id=initiator.pk, participant_ids=[agent.pk for agent in unique],
                           content=content, intention_id=None, response_timeout=response_timeout,
                           result_timeout=result_timeout, now=now)
    else:
        pairs = [run_build(run_id=uuid.uuid4(), organization_id=initiator.organization_id, opening=opening,
                           initiator_id=initiator.pk, participant_id=unique[0].pk, content=content,
                           intention_id=None, response_timeout=response_timeout, result_timeout=result_timeout,
                           now=now)]
    run = pairs[0][0]
    runs_write(new=pairs, changed=[], sessions=[])
    message_send(organization=initiator.organization, by=by, sender_agent=initiator, performative=run.performative,
                 content=content, to=[agent.pk for agent in unique], conversation_id=run.pk, protocol=run.protocol,
                 reply_by=run.response_by, audit=True)
    record(action=Action.CREATE, by=by, target=run, target_repr=str(run),
           changes={"protocol": [None, run.protocol], "initiator": [None, str(initiator.pk)],
                    "participants": [None, [str(agent.pk) for agent in unique]]},
           note="started by a person for the agent")
    return run


@transaction.atomic
def run_reply(*, by: Any, run: ProtocolRun, sender: Agent, performative: str, content: Any = None) -> Message:
    """A person answers a step of ``run`` as ``sender`` (a participant they may operate, checked by the caller).

    The reply is checked against the run on a copy (nothing changes here; ``run_apply``, or for a Contract-Net
    the session's move, ``cnet_message``): a move the run cannot take now is a 409 naming why, and nothing is
    sent. A proposal after the reply-by is sent: the initiator's cycle rejects it ``late`` and records it on
    the run, as it would an agent's. The run itself moves when its initiator takes the reply, checked again
    there (the initiator's cycle is the run's one writer)."""
    locked = ProtocolRun.objects.select_for_update().get(pk=run.pk)
    sessions = list(ProtocolSession.objects.filter(run=locked).order_by("id"))
    session = next((s for s in sessions if s.participant_id == sender.pk), None)
    if session is None:
        raise invalid("sender", f"Agent {sender.pk} is not a participant of this {locked.protocol} run.")
    trial = _trial(locked, sessions, session, sender, performative, content)
    if trial.verdict == NOT_UNDERSTOOD:
        raise Conflict(trial.why, code="protocol_reply_refused")
    result = message_send(organization=sender.organization, by=by, sender_agent=sender, performative=performative,
                          content=content, to=[locked.initiator_id], conversation_id=locked.pk,
                          protocol=locked.protocol, in_reply_to=_open_opening(locked), audit=True)
    return result.message


def _trial(run: ProtocolRun, sessions: list[ProtocolSession], session: ProtocolSession, sender: Agent,
           performative: str, content: Any) -> Outcome:
    """The move the initiator will apply to this reply, tried on copies (nothing changes)."""
    now = timezone.now()
    if run.protocol == CONTRACT_NET:
        probe = Message(sender_agent_id=sender.pk, performative=performative, content=content)
        return cnet_message(run=copy.copy(run), sessions=[copy.copy(s) for s in sessions], message=probe,
                            now=now).outcome
    return run_apply(run=copy.copy(run), session=copy.copy(session), performative=performative, role=PARTICIPANT,
                     now=now)


@transaction.atomic
def run_cancel(*, by: Any, run: ProtocolRun, reason: str = "") -> ProtocolRun:
    """End an open run ``cancelled``: every open session too, a ``cancel`` to their participants, and the
    initiator's waiting intention woken as a timeout wakes it (the closed-run hook), with the audit event.

    Only the holder of the initiator's runtime row writes a run (models.py): a cycle holding it now is a 409
    (try again in a moment), never a second writer. A closed run is a 409 naming its state."""
    initiator = Agent.objects.get(pk=run.initiator_id)
    if initiator.kind == AgentKind.INTERNAL and initiator.pk not in owners_lock([initiator.pk]):
        raise Conflict("The initiator is in a reasoning cycle right now; try again in a moment.",
                       code="protocol_run_busy")
    locked = ProtocolRun.objects.select_for_update().get(pk=run.pk)
    sessions = list(ProtocolSession.objects.filter(run=locked).order_by("id"))
    before = locked.state
    open_sessions = run_cancel_apply(run=locked, sessions=sessions, reason=reason or "cancelled by a person",
                                     now=timezone.now())
    if open_sessions is None:
        raise Conflict(f"The run is {before.replace('_', ' ')}: only an open run can be cancelled.",
                       code="protocol_run_closed", state=before)
    runs_write(new=[], changed=[locked], sessions=open_sessions)
    if open_sessions:
        message_send(organization=initiator.organization, by=by, sender_agent=initiator, performative=CANCEL_ACT,
                     content={"reason": locked.reason}, to=[s.participant_id for s in open_sessions],
                     conversation_id=locked.pk, protocol=locked.protocol, in_reply_to=_open_opening(locked),
                     audit=False)
    runs_closed([RunClosed(locked.pk, locked.initiator_id, locked.intention_id, locked.protocol, locked.state,
                           locked.reason)])
    record(action=Action.UPDATE, by=by, target=locked, target_repr=str(locked),
           changes={"state": [before, locked.state]}, note=locked.reason)
    return locked


@transaction.atomic
def run_decide(*, by: Any, run: ProtocolRun, accepted: list[Any], content: Any = None) -> ProtocolRun:
    """A person decides a Contract-Net call a person started (through the API: no intention waits on it; the
    initiator's ``^protocol:all_responses`` plans may decide it first): accept-proposal to ``accepted`` (agent
    ids that proposed), reject-proposal ``not_accepted`` to the other proposers, the run ``awaiting_result``
    until ``result_by``; then the winners' results move it in the initiator's cycle, as for a plan's decision.
    With the audit event, or nothing."""
    initiator = Agent.objects.get(pk=run.initiator_id)
    if initiator.pk not in owners_lock([initiator.pk]):
        raise Conflict("The initiator is in a reasoning cycle right now; try again in a moment.",
                       code="protocol_run_busy")
    locked = ProtocolRun.objects.select_for_update().get(pk=run.pk)
    if locked.protocol != CONTRACT_NET or locked.state != RunState.AWAITING_DECISION:
        raise Conflict(f"The run is {locked.state.replace('_', ' ')}: only a Contract-Net call that closed with "
                       "proposals waits for a decision.", code="protocol_run_not_deciding", state=locked.state)
    if locked.intention_id is not None:
        raise Conflict("The initiator's plan decides this run: a person decides only the calls people started.",
                       code="protocol_run_decided_by_plan")
    sessions = list(ProtocolSession.objects.filter(run=locked).order_by("id"))
    decided = cnet_accept(run=locked, sessions=sessions, accepted=list(accepted), now=timezone.now())
    if decided.outcome.verdict == NOT_UNDERSTOOD:
        raise invalid("accept", decided.outcome.why[0].upper() + decided.outcome.why[1:] + ".")
    runs_write(new=[], changed=[locked], sessions=sessions)
    opening = _open_opening(locked)
    message_send(organization=initiator.organization, by=by, sender_agent=initiator, performative="accept-proposal",
                 content=content, to=list(accepted), conversation_id=locked.pk, protocol=locked.protocol,
                 in_reply_to=opening, reply_by=locked.result_by, audit=False)
    if decided.rejected:
        message_send(organization=initiator.organization, by=by, sender_agent=initiator,
                     performative="reject-proposal", content={"reason": "not_accepted"},
                     to=[s.participant_id for s in decided.rejected], conversation_id=locked.pk,
                     protocol=locked.protocol, in_reply_to=opening, audit=False)
    record(action=Action.UPDATE, by=by, target=locked, target_repr=str(locked),
           changes={"state": [RunState.AWAITING_DECISION, locked.state],
                    "accepted": [None, [str(pk) for pk in accepted]]},
           note="decided by a person for the agent")
    return locked

