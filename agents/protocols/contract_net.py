"""FIPA Contract-Net (fipa00029): a run with one session per participant, its moves in the one table.

The participants' moves are ``transitions.SESSION_TRANSITIONS`` (per session); the run's own moves are rows of
``transitions.TRANSITIONS`` that its sessions decide (role ``sessions``), the initiator's decision (role
``initiator``) or a deadline. Like ``services.run_apply`` these functions change the run and its sessions in
memory only and say what the caller must do; the cycle writes them with the batch (``services.runs_write``),
the sweeper in its transaction. Only whoever holds the initiator's runtime row calls them.

- ``cnet_message``: a participant's propose / refuse / not-understood (collecting), inform / failure (after
  an accept). A proposal after the reply-by deadline is ``late``: the caller answers it with an automatic
  reject-proposal, the run records it. When no session awaits a response any more the run moves to
  ``awaiting_decision`` (``all_responses``) or fails with ``no_proposals``.
- ``cnet_accept``: the initiator's decision: the chosen proposers' sessions are accepted (the result phase and
  its deadline start), every other proposer's is rejected.
- ``cnet_timeout``: the deadline in force passed.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from agents.messaging.models import Message
from agents.protocols.models import ProtocolRun, ProtocolSession
from agents.protocols.outcomes import ACCEPT, NOT_UNDERSTOOD, TERMINAL_OUTCOME, Outcome, refusal
from agents.protocols.transitions import (
    ACCEPT_PROPOSAL,
    CONTRACT_NET,
    DEADLINE,
    INITIATOR,
    PARTICIPANT,
    SESSION_TRANSITIONS,
    SESSIONS,
    TERMINAL,
    TIMEOUT_ACT,
    TRANSITIONS,
    RunState,
)

#: The verdict of a proposal after the deadline: the caller sends reject-proposal {"reason": "late"}.
LATE = "late"
#: A session that will not move any more (a rejected proposal is closed for its participant).
SESSION_CLOSED = TERMINAL | {RunState.REJECTED}


@dataclass
class Decided:
    """What ``cnet_message`` / ``cnet_timeout`` did to the run, for the cycle: the outcome, and whether the
    collection just ended (``all_responses``: wake the initiator with the proposals)."""

    outcome: Outcome
    collected: bool = False
    rejected: list[ProtocolSession] = field(default_factory=list)


def cnet_build(*, run_id: uuid.UUID, organization_id: Any, initiator_id: Any, participant_ids: list[Any],
               content: Any, intention_id: Any, response_timeout: float, result_timeout: float,
               now: datetime.datetime) -> list[tuple[ProtocolRun, ProtocolSession]]:
    """A new Contract-Net run (a cfp to every participant) and one session each, unsaved: (run, session) pairs."""
    run = ProtocolRun(id=run_id, organization_id=organization_id, protocol=CONTRACT_NET, performative="cfp",
                      initiator_id=initiator_id, intention_id=intention_id, state=RunState.AWAITING_RESPONSE,
                      phase="response", response_by=now + datetime.timedelta(seconds=response_timeout),
                      result_timeout=result_timeout, content=content, created_at=now, updated_at=now)
    return [(run, ProtocolSession(run=run, participant_id=pk, state=RunState.AWAITING_RESPONSE, updated_at=now))
            for pk in participant_ids]


def proposals(sessions: list[ProtocolSession]) -> dict[str, list[dict[str, Any]]]:
    """What the initiator's plan decides on: the proposals (participant id, content) and who refused."""
    def entry(session: ProtocolSession) -> dict[str, Any]:
        return {"participant": str(session.participant_id), "content": session.content}
    ordered = sorted(sessions, key=lambda s: s.pk or 0)
    return {"proposals": [entry(s) for s in ordered if s.state == RunState.PROPOSED],
            "refused": [entry(s) for s in ordered if s.state in (RunState.REFUSED, RunState.FAILED)]}


def results(sessions: list[ProtocolSession]) -> list[dict[str, Any]]:
    """The accepted participants' closing messages: the run's result."""
    return [{"participant": str(s.participant_id), "performative": "inform" if s.state == RunState.DONE else "failure",
             "content": s.content}
            for s in sorted(sessions, key=lambda s: s.pk or 0) if s.state in (RunState.DONE, RunState.FAILED)]


def _move_session(run: ProtocolRun, session: ProtocolSession, performative: str, role: str,
                  now: datetime.datetime, message: Message | None = None) -> bool:
    target = SESSION_TRANSITIONS.get((run.protocol, session.state, performative, role))
    if target is None:
        return False
    session.state, session.updated_at = target, now
    if message is not None:
        session.last_message, session.reply_with, session.content = message, message.reply_with, message.content
    return True


def _move_run(run: ProtocolRun, performative: str, role: str, now: datetime.datetime, *,
              reason: str = "") -> Outcome:
    target = TRANSITIONS[(run.protocol, run.state, performative, role)]
    run.state, run.version, run.updated_at = target, run.version + 1, now
    if target == RunState.AWAITING_DECISION:
        run.phase = "decision"
        run.result_by = now + datetime.timedelta(seconds=run.result_timeout)
    elif target == RunState.AWAITING_RESULT:
        run.phase = "result"
        run.result_by = now + datetime.timedelta(seconds=run.result_timeout)
    if target in TERMINAL:
        run.phase, run.finished_at, run.reason = "closed", now, reason[:200]
    return Outcome(TERMINAL_OUTCOME if target in TERMINAL else ACCEPT, target)


def _settle(run: ProtocolRun, sessions: list[ProtocolSession], now: datetime.datetime) -> Decided:
    """The run's move its sessions decide, if any."""
    states = [s.state for s in sessions]
    if run.state == RunState.AWAITING_RESPONSE and RunState.AWAITING_RESPONSE not in states:
        _move_run(run, "all_responses", SESSIONS, now)
        return _collected(run, sessions, now)
    if run.state == RunState.AWAITING_RESULT and RunState.AWAITING_RESULT not in states:
        run.result = results(sessions)
        done = any(item["performative"] == "inform" for item in run.result)
        return Decided(_move_run(run, "all_results" if done else "all_failed", SESSIONS, now,
                                 reason="" if done else "every accepted participant failed"))
    return Decided(Outcome(ACCEPT, run.state))


def _collected(run: ProtocolRun, sessions: list[ProtocolSession], now: datetime.datetime) -> Decided:
    if not any(s.state == RunState.PROPOSED for s in sessions):
        return Decided(_move_run(run, "no_proposals", SESSIONS, now, reason="no_proposals"), collected=True)
    return Decided(Outcome(ACCEPT, run.state), collected=True)


def cnet_message(*, run: ProtocolRun, sessions: list[ProtocolSession], message: Message,
                 now: datetime.datetime) -> Decided:
    """A participant's message in a Contract-Net run: its session's move, then the run's, or a refusal."""
    session = next((s for s in sessions if message.sender_agent_id and s.participant_id == message.sender_agent_id),
                   None)
    if session is None:
        sender = f"agent {message.sender_agent_id}" if message.sender_agent_id else "a sender without an agent"
        return Decided(refusal(run, message, f"{sender} is not a participant of this {run.protocol} run", now))
    if message.performative == "propose" and (session.state == RunState.TIMEOUT or (
            session.state == RunState.AWAITING_RESPONSE and now > run.response_by)):
        # After the reply-by deadline: rejected automatically with reason late (and recorded).
        refusal(run, message, LATE, now)
        if session.state == RunState.AWAITING_RESPONSE:
            _move_session(run, session, TIMEOUT_ACT, DEADLINE, now)
            decided = _settle(run, sessions, now)
            return Decided(Outcome(LATE, decided.outcome.state, LATE), decided.collected)
        return Decided(Outcome(LATE, run.state, LATE))
    if not _move_session(run, session, message.performative, PARTICIPANT, now, message):
        if run.state in TERMINAL:
            why = f"the run is closed ({run.state}): {message.performative} comes too late"
        else:
            allowed = sorted(p for (proto, st, p, r) in SESSION_TRANSITIONS
                             if proto == run.protocol and st == session.state and r == PARTICIPANT)
            why = (f"{message.performative} is not allowed from a participant in "
                   f"{session.state.replace('_', ' ')}; allowed: {', '.join(allowed) or 'nothing'}")
        return Decided(refusal(run, message, why, now))
    run.version, run.updated_at = run.version + 1, now
    return _settle(run, sessions, now)


def cnet_accept(*, run: ProtocolRun, sessions: list[ProtocolSession], accepted: list[Any],
                now: datetime.datetime) -> Decided:
    """The initiator's decision: accept the proposals of ``accepted`` (agent ids), reject every other one.

    Refused (nothing changed) when the run does not wait for a decision or an accepted agent made no proposal.
    """
    if run.state != RunState.AWAITING_DECISION:
        return Decided(Outcome(NOT_UNDERSTOOD, run.state, f"the run is {run.state.replace('_', ' ')}, "
                                                         "not waiting for a decision"))
    proposers = {s.participant_id for s in sessions if s.state == RunState.PROPOSED}
    never = [str(pk) for pk in accepted if pk not in proposers]
    if never or not accepted:
        return Decided(Outcome(NOT_UNDERSTOOD, run.state,
                               f"no proposal was made by {', '.join(never)}" if never else "nobody is accepted"))
    rejected = []
    for session in sessions:
        if session.state == RunState.PROPOSED:
            act = ACCEPT_PROPOSAL if session.participant_id in accepted else "reject-proposal"
            _move_session(run, session, act, INITIATOR, now)
            if act != ACCEPT_PROPOSAL:
                rejected.append(session)
    return Decided(_move_run(run, ACCEPT_PROPOSAL, INITIATOR, now), rejected=rejected)


def cnet_timeout(*, run: ProtocolRun, sessions: list[ProtocolSession], now: datetime.datetime) -> Outcome:
    """The deadline in force passed: the sessions waiting in this phase time out, then the run's own move."""
    waiting = {RunState.AWAITING_RESPONSE: RunState.AWAITING_RESPONSE, RunState.AWAITING_DECISION: RunState.PROPOSED,
               RunState.AWAITING_RESULT: RunState.AWAITING_RESULT}.get(run.state)
    for session in sessions:
        if session.state == waiting:
            _move_session(run, session, TIMEOUT_ACT, DEADLINE, now)
    if run.state == RunState.AWAITING_RESPONSE:
        _move_run(run, TIMEOUT_ACT, DEADLINE, now)
        return _collected(run, sessions, now).outcome
    phase = "decision" if run.state == RunState.AWAITING_DECISION else "result"
    return _move_run(run, TIMEOUT_ACT, DEADLINE, now, reason=f"no {phase} before its deadline")
