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

import datetime
import uuid
from typing import Any

from django.db import transaction

from agents.common.bulk import rows_update
from agents.messaging.models import Message
from agents.protocols.models import ProtocolRun, ProtocolSession
from agents.protocols.outcomes import ACCEPT, NOT_UNDERSTOOD, TERMINAL_OUTCOME, Outcome, refusal
from agents.protocols.transitions import (
    CANCEL_ACT,
    DEADLINE,
    INITIATOR,
    OPENINGS,
    PARTICIPANT,
    PROTOCOLS,
    TERMINAL,
    TIMEOUT_ACT,
    RunState,
    allowed,
    next_state,
)

#: The namespace of run ids (= conversation ids): uuid5(namespace, the step's idempotency key).
RUN_NAMESPACE = uuid.UUID("0b6f3a52-6c1e-4f0e-9d7a-5a1f2f0c9e41")


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
        return refusal(run, message, f"{sender} is not a participant of this {run.protocol} run", now)
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
        return refusal(run, message, why, now)
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


def run_cancel_apply(*, run: ProtocolRun, sessions: list[ProtocolSession], reason: str,
                     now: datetime.datetime) -> list[ProtocolSession] | None:
    """The cancel meta-protocol's move, in memory: the run ``cancelled`` with ``reason`` and every open
    session too; the sessions that were open (their participants get the ``cancel``), or None when the run
    is closed (nothing changed). A person's ``run_cancel`` and a plan's ``cancel_protocol`` step both use it."""
    outcome = run_apply(run=run, session=None, performative=CANCEL_ACT, role=INITIATOR, now=now)
    if outcome.verdict == NOT_UNDERSTOOD:
        return None
    run.reason = reason[:200]
    open_sessions = [s for s in sessions if s.state not in TERMINAL]
    for session in open_sessions:
        session.state, session.updated_at = RunState.CANCELLED, now
    return open_sessions


def _reason(content: Any) -> str:
    if isinstance(content, dict) and content.get("reason") is not None:
        return str(content["reason"])
    return "" if content is None else str(content)


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
