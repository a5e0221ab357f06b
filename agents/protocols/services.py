"""Writes of protocol runs: the one function that changes a run's state (``run_apply``) and their bulk writes.

``run_apply`` applies one row of ``transitions.TRANSITIONS`` to a run and its participant's session, in
memory, and says what the caller must do: ``accept`` (the run moved on and still waits), ``terminal`` (it
closed: wake its initiator), or ``not_understood`` (no such move: answer with a ``not-understood``; the
refusal is recorded on the run, nothing else changes). The reasoning cycle applies transitions to the runs
of a whole batch this way and writes them with ``runs_write`` in the batch's transaction (a constant number
of statements); the sweeper does the same for deadlines.

Nothing in the first part is audited: a run is the reasoning cycle's bookkeeping, like an intention, explained by the
cycle's trace rows and by the run's own ``rejected`` list (CONTRIBUTING: the cycle's own writes are traced,
not audited).
"""

from __future__ import annotations

import copy
import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.agent.models import Agent, AgentKind
from agents.common.audit import record
from agents.common.bulk import rows_update
from agents.common.errors import invalid
from agents.messaging.models import Message
from agents.messaging.services.send import message_send
from agents.protocols.hooks import RunClosed, owners_lock, runs_closed
from agents.protocols.models import ProtocolRun, ProtocolSession
from agents.protocols.transitions import (
    CANCEL_ACT,
    DEADLINE,
    INITIATOR,
    OPENINGS,
    PARTICIPANT,
    PROTOCOL_RESPONSE_TIMEOUT,
    PROTOCOL_RESULT_TIMEOUT,
    PROTOCOLS,
    TERMINAL,
    TIMEOUT_ACT,
    RunState,
    allowed,
    next_state,
)
from auditlog.models import Action
from mabos.errors import Conflict

#: The namespace of run ids (= conversation ids): uuid5(namespace, the step's idempotency key).
RUN_NAMESPACE = uuid.UUID("0b6f3a52-6c1e-4f0e-9d7a-5a1f2f0c9e41")
REJECTED_KEPT = 20
ACCEPT, TERMINAL_OUTCOME, NOT_UNDERSTOOD = "accept", "terminal", "not_understood"


@dataclass(frozen=True)
class Outcome:
    """What ``run_apply`` decided: the verdict, the run's state after it, and why (for a refusal, the
    not-understood's reason)."""

    verdict: str
    state: str
    why: str = ""


def run_id_for(key: str) -> uuid.UUID:
    """The run (and conversation) id of a step's idempotency key: the same on every replay of the cycle."""
    return uuid.uuid5(RUN_NAMESPACE, key)


def run_build(*, run_id: uuid.UUID, organization_id: Any, opening: str, initiator_id: Any, participant_id: Any,
              content: Any, intention_id: Any, response_timeout: float, result_timeout: float,
              now: datetime.datetime) -> tuple[ProtocolRun, ProtocolSession]:
    """A new run opened with ``opening`` (request, query-if, query-ref) and its one session, unsaved."""
    protocol, performative = OPENINGS[opening]
    run = ProtocolRun(id=run_id, organization_id=organization_id, protocol=protocol, performative=performative,
                      initiator_id=initiator_id, intention_id=intention_id, state=RunState.AWAITING_RESPONSE,
                      phase="response", response_by=now + datetime.timedelta(seconds=response_timeout),
                      result_timeout=result_timeout, content=content, created_at=now, updated_at=now)
    session = ProtocolSession(run=run, participant_id=participant_id, state=RunState.AWAITING_RESPONSE,
                              updated_at=now)
    return run, session


def is_opening(run: ProtocolRun, message: Message) -> bool:
    """Whether ``message`` is the act that opened ``run`` (what its participant's plans handle)."""
    return (message.sender_agent_id == run.initiator_id and message.performative in PROTOCOLS[run.protocol]
            and message.in_reply_to_id is None)


def run_message(*, run: ProtocolRun, sessions: list[ProtocolSession], message: Message,
                now: datetime.datetime) -> Outcome:
    """Check an incoming reply of ``run``'s conversation against the run and apply it (``run_apply``)."""
    session = next((s for s in sessions if message.sender_agent_id and s.participant_id == message.sender_agent_id),
                   None)
    if session is None:
        sender = f"agent {message.sender_agent_id}" if message.sender_agent_id else "a sender without an agent"
        return _refuse(run, message, f"{sender} is not a participant of this {run.protocol} run", now)
    return run_apply(run=run, session=session, performative=message.performative, role=PARTICIPANT, now=now,
                     message=message)


def run_apply(*, run: ProtocolRun, session: ProtocolSession | None, performative: str, role: str,
              now: datetime.datetime, message: Message | None = None) -> Outcome:
    """The one place a run's state changes: the table's move for (state, performative, role), or a refusal."""
    target = next_state(run.protocol, run.state, performative, role)
    if target is None:
        if run.state in TERMINAL:
            why = f"the run is closed ({run.state}): {performative} comes too late"
        else:
            why = (f"{performative} is not allowed in {run.state.replace('_', ' ')}; "
                   f"allowed: {', '.join(allowed(run.protocol, run.state)) or 'nothing'}")
        return _refuse(run, message, why, now)
    content = message.content if message is not None else None
    run.state = target
    if target == RunState.AWAITING_RESULT:
        run.phase = "result"
        run.result_by = now + datetime.timedelta(seconds=run.result_timeout)
    if target == RunState.SUBSCRIBED:  # FIPA Subscribe: open, no deadline; result = the latest inform's content
        run.phase = "subscribed"
        if performative == "inform":
            run.result = content
    if target in TERMINAL:
        closing = run.phase
        run.phase, run.finished_at = "closed", now
        if target == RunState.DONE:
            run.result = content
        elif target == RunState.TIMEOUT:
            run.reason = f"no {'result' if closing == 'result' else 'response'} before its deadline"
        else:
            run.reason = _reason(content)[:200]
    run.version += 1
    run.updated_at = now
    if session is not None:
        session.state = target
        session.updated_at = now
        if message is not None:
            session.last_message = message
            session.reply_with = message.reply_with
            session.content = message.content
    return Outcome(TERMINAL_OUTCOME if target in TERMINAL else ACCEPT, target)


def run_timeout(*, run: ProtocolRun, sessions: list[ProtocolSession], now: datetime.datetime) -> Outcome:
    """The deadline of the phase the run waits in has passed: the table's ``timeout`` move, every session too."""
    outcome = run_apply(run=run, session=None, performative=TIMEOUT_ACT, role=DEADLINE, now=now)
    if outcome.verdict == TERMINAL_OUTCOME:
        for session in sessions:
            if session.state not in TERMINAL:
                session.state, session.updated_at = RunState.TIMEOUT, now
    return outcome


def _reason(content: Any) -> str:
    if isinstance(content, dict) and content.get("reason") is not None:
        return str(content["reason"])
    return "" if content is None else str(content)


def _refuse(run: ProtocolRun, message: Message | None, why: str, now: datetime.datetime) -> Outcome:
    if message is not None:
        entry = {"message": str(message.pk), "sender": str(message.sender_agent_id or ""),
                 "performative": message.performative, "why": why, "at": now.isoformat()}
        run.rejected = [*(run.rejected or []), entry][-REJECTED_KEPT:]
        run.version += 1
        run.updated_at = now
    return Outcome(NOT_UNDERSTOOD, run.state, why)


RUN_FIELDS = ["state", "phase", "result_by", "result", "reason", "rejected", "version", "updated_at", "finished_at"]
SESSION_FIELDS = ["state", "last_message", "reply_with", "content", "updated_at"]


@transaction.atomic(savepoint=False)
def runs_write(*, new: list[tuple[ProtocolRun, ProtocolSession]], changed: list[ProtocolRun],
               sessions: list[ProtocolSession]) -> None:
    """New runs with their sessions, and changed runs and sessions: at most four statements for any number.

    A new run's id is derived from its step's key, so a replayed cycle finds it already there and writes
    nothing twice (``ON CONFLICT DO NOTHING``).
    """
    if new:
        # A Contract-Net run comes once per session: each run is inserted once.
        ProtocolRun.objects.bulk_create(list({run.pk: run for run, _ in new}.values()), ignore_conflicts=True)
        ProtocolSession.objects.bulk_create([session for _, session in new], ignore_conflicts=True)
    if changed:
        rows_update(ProtocolRun, changed, RUN_FIELDS)
    if sessions:
        rows_update(ProtocolSession, sessions, SESSION_FIELDS)


# ------------------------------------------------------------------ a person's doors: start, reply, cancel
# These three are writes a person makes (the API and the admin call them), so unlike the cycle's bookkeeping
# above they are audited, and each is one transaction with the message it sends.

def _open_opening(run: ProtocolRun) -> Message | None:
    """The act that opened ``run`` (what its replies answer)."""
    return (Message.objects.filter(organization_id=run.organization_id, conversation_id=run.pk,
                                   sender_agent_id=run.initiator_id, in_reply_to__isnull=True)
            .order_by("created_at", "id").first())


@transaction.atomic
def run_start(*, by: Any, initiator: Agent, participant: Agent, opening: str, content: Any = None,
              response_timeout: float = PROTOCOL_RESPONSE_TIMEOUT,
              result_timeout: float = PROTOCOL_RESULT_TIMEOUT) -> ProtocolRun:
    """A person opens a Request or Query run as ``initiator`` (an agent they may operate, checked by the caller):
    the run (``run_build``, as a ``start_protocol`` step builds it, with no intention waiting) and its opening
    act (``message_send``) commit together with the audit event, or nothing does."""
    if opening not in OPENINGS:
        raise invalid("protocol", f"Unknown opening {opening!r}; one of: {', '.join(sorted(OPENINGS))}.")
    if initiator.kind != AgentKind.INTERNAL:
        raise invalid("initiator", "Only an internal agent initiates a run: its cycle takes the replies.")
    if participant.pk == initiator.pk:
        raise invalid("to", "An agent does not open a protocol run with itself.")
    if participant.organization_id != initiator.organization_id:
        raise invalid("to", "The participant belongs to another organization.")
    now = timezone.now()
    run, session = run_build(run_id=uuid.uuid4(), organization_id=initiator.organization_id, opening=opening,
                             initiator_id=initiator.pk, participant_id=participant.pk, content=content,
                             intention_id=None, response_timeout=response_timeout, result_timeout=result_timeout,
                             now=now)
    runs_write(new=[(run, session)], changed=[], sessions=[])
    message_send(organization=initiator.organization, by=by, sender_agent=initiator, performative=run.performative,
                 content=content, to=[participant.pk], conversation_id=run.pk, protocol=run.protocol,
                 reply_by=run.response_by, audit=True)
    record(action=Action.CREATE, by=by, target=run, target_repr=str(run),
           changes={"protocol": [None, run.protocol], "initiator": [None, str(initiator.pk)],
                    "participant": [None, str(participant.pk)]}, note="started by a person for the agent")
    return run


@transaction.atomic
def run_reply(*, by: Any, run: ProtocolRun, sender: Agent, performative: str, content: Any = None) -> Message:
    """A person answers a step of ``run`` as ``sender`` (a participant they may operate, checked by the caller).

    The reply is checked against the run by ``run_apply`` on a copy (nothing changes here): a move the run
    cannot take now is a 409 naming why, and nothing is sent. The run itself moves when its initiator takes
    the reply, checked again there (the initiator's cycle is the run's one writer)."""
    locked = ProtocolRun.objects.select_for_update().get(pk=run.pk)
    session = ProtocolSession.objects.filter(run=locked, participant=sender).first()
    if session is None:
        raise invalid("sender", f"Agent {sender.pk} is not a participant of this {locked.protocol} run.")
    trial = run_apply(run=copy.copy(locked), session=copy.copy(session), performative=performative,
                      role=PARTICIPANT, now=timezone.now())
    if trial.verdict == NOT_UNDERSTOOD:
        raise Conflict(trial.why, code="protocol_reply_refused")
    result = message_send(organization=sender.organization, by=by, sender_agent=sender, performative=performative,
                          content=content, to=[locked.initiator_id], conversation_id=locked.pk,
                          protocol=locked.protocol, in_reply_to=_open_opening(locked), audit=True)
    return result.message


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
    before, now = locked.state, timezone.now()
    outcome = run_apply(run=locked, session=None, performative=CANCEL_ACT, role=INITIATOR, now=now)
    if outcome.verdict == NOT_UNDERSTOOD:
        raise Conflict(f"The run is {before.replace('_', ' ')}: only an open run can be cancelled.",
                       code="protocol_run_closed", state=before)
    locked.reason = (reason or "cancelled by a person")[:200]
    open_sessions = [s for s in sessions if s.state not in TERMINAL]
    for session in open_sessions:
        session.state, session.updated_at = RunState.CANCELLED, now
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
