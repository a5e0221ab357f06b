"""Contract-Net in the cycle (docs/protocols.md, Contract-Net): the initiator's proposals collected, the
intention resumed with them, the decision step, and the participant's check of an accept-proposal.

- **Initiator, collecting.** A propose / refuse moves its session (``contract_net.cnet_message``). When every
  participant answered (or, through the sweeper's ``protocol`` event, the reply-by deadline passed), the
  ``start_protocol(cfp, ...)`` step resumes with ``{"run", "proposals", "refused"}`` bound, and the frame
  remembers the run (``frame["deciding"]``) for the decision; with no proposal the step fails
  ``no_proposals``. A proposal after the deadline gets an automatic reject-proposal ``{"reason": "late"}``.
- **Initiator, deciding.** ``start_protocol(accept-proposal, Winners, Content, Result)`` accepts the winners'
  proposals and rejects every other proposer's, in the run's conversation, then waits on the run until every
  accepted participant closed its session (inform → ``done`` with the results bound; all failed → ``failure``).
- **Participant.** An accept-proposal in a run where its session was never accepted (it made no proposal) is
  answered with ``not-understood``; the participant only reads the run (its initiator writes it).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from agents.protocols.contract_net import LATE, cnet_accept, cnet_message, proposals
from agents.protocols.outcomes import NOT_UNDERSTOOD
from agents.protocols.transitions import ACCEPT_PROPOSAL, RunState
from agents.reasoning.cycle.errors import StepFailed
from agents.reasoning.cycle.state import Draft
from agents.reasoning.intentions.models import Intention, IntentionStatus

if TYPE_CHECKING:
    from agents.messaging.models import Message
    from agents.protocols.models import ProtocolRun

Cycle = Any


def cnet_route(cycle: Cycle, run: ProtocolRun, message: Message) -> bool:
    """A message of a Contract-Net conversation; True when the protocol took it (no plan is selected).

    At the initiator the caller (``protocols.protocol_route``) then wakes the intention waiting on the run if
    the call just closed (``collected``) or the run did."""
    me = cycle.mind.agent.pk
    if message.sender_agent_id == me:
        return False
    if run.initiator_id != me:
        return _participant_check(cycle, run, message)
    sessions = list(run.sessions.all())
    decided = cnet_message(run=run, sessions=sessions, message=message, now=cycle.now)
    if decided.collected and run.state == RunState.AWAITING_DECISION:
        cycle.mind.collected[run.pk] = proposals(sessions)
    cycle.mind.changed_runs[run.pk] = run
    for session in sessions:
        if session.pk is not None:
            cycle.mind.changed_sessions[session.pk] = session
    detail = f"{run.protocol} run {run.pk}: {message.performative} from agent {message.sender_agent_id}"
    outcome = decided.outcome
    if outcome.verdict == LATE:
        cycle.trace["choice"] = {"why": f"{detail} after the reply-by deadline: rejected (late)"}
        _draft(cycle, run, message, "reject-proposal", {"reason": LATE}, f"protocol:{run.pk}:late:{message.pk}")
    elif outcome.verdict == NOT_UNDERSTOOD:
        cycle.trace["choice"] = {"why": f"{detail} refused with not-understood: {outcome.why}"}
        if message.sender_agent_id and message.performative != "not-understood":
            _draft(cycle, run, message, "not-understood", {"reason": outcome.why, "performative":
                                                          message.performative},
                   f"protocol:{run.pk}:not-understood:{message.pk}")
        return True
    else:
        cycle.trace["choice"] = {"why": f"{detail}: the run is {outcome.state.replace('_', ' ')}"}
    return True


def _participant_check(cycle: Cycle, run: ProtocolRun, message: Message) -> bool:
    """At a participant: an accept-proposal for a proposal it never made (or that was not accepted) is
    answered with not-understood; everything else goes on to its plans."""
    if message.performative != ACCEPT_PROPOSAL:
        return False
    me = cycle.mind.agent.pk
    mine = next((s for s in run.sessions.all() if s.participant_id == me), None)
    if mine is None:
        why = "this agent is not a participant of this run"
    elif message.sender_agent_id != run.initiator_id:
        why = "the sender is not the initiator of this run"
    elif mine.state != RunState.AWAITING_RESULT:
        why = f"no proposal of this participant was accepted (its session is {mine.state.replace('_', ' ')})"
    else:
        return False  # accepted: its plans handle it
    cycle.trace["choice"] = {"why": f"{run.protocol} run {run.pk}: accept-proposal refused with "
                                    f"not-understood: {why}"}
    if message.sender_agent_id:
        cycle.mind.drafts.append(Draft(
            recipients=[message.sender_agent_id], performative="not-understood",
            content={"reason": why, "performative": message.performative}, ontology=message.ontology,
            protocol=run.protocol, conversation_id=run.pk, in_reply_to=message,
            key=f"protocol:{run.pk}:not-understood:{message.pk}"))
    return True


def _draft(cycle: Cycle, run: ProtocolRun, message: Message, performative: str, content: Any, key: str) -> None:
    cycle.mind.drafts.append(Draft(recipients=[message.sender_agent_id], performative=performative, content=content,
                                   ontology=message.ontology, protocol=run.protocol, conversation_id=run.pk,
                                   in_reply_to=message, key=key))


def collected_resume(cycle: Cycle, intention: Intention, run_id: Any, collected: dict[str, Any]) -> None:
    """The call is closed: the ``start_protocol(cfp, ...)`` step resumes with the proposals bound."""
    wait = intention.wait or {}
    bound = {wait["bind"]: {"run": str(run_id), **collected}} if wait.get("bind") else {}
    frame = intention.stack[-1]
    frame["deciding"] = str(run_id)
    cycle.resume(intention, bound, f"cfp to {wait.get('to', '?')}: {len(collected['proposals'])} proposals, "
                                   f"{len(collected['refused'])} refused")


def deciding_run(cycle: Cycle, intention: Intention) -> ProtocolRun:
    """The Contract-Net run the intention decides on: the nearest frame's that resumed from a cfp."""
    for frame in reversed(intention.stack):
        run_id = frame.get("deciding")
        if run_id:
            run = cycle.mind.runs.get(uuid.UUID(run_id))
            if run is not None and run.state == RunState.AWAITING_DECISION:
                return run
    raise StepFailed("no_decision", "no Contract-Net run of this intention waits for a decision")


def accept_proposals(cycle: Cycle, intention: Intention, *, recipients: list[Any], content: Any, key: str,
                     bind: str | None, target: Any) -> str:
    """The decision step: accept-proposal to ``recipients``, reject-proposal to the other proposers, then wait
    on the run for the accepted participants' results."""
    run = deciding_run(cycle, intention)
    sessions = list(run.sessions.all())
    decided = cnet_accept(run=run, sessions=sessions, accepted=recipients, now=cycle.now)
    if decided.outcome.verdict == NOT_UNDERSTOOD:
        raise StepFailed("not_proposed", f"run {run.pk}: {decided.outcome.why}")
    cycle.mind.changed_runs[run.pk] = run
    for session in sessions:
        cycle.mind.changed_sessions[session.pk] = session
    cycle.mind.drafts.append(Draft(recipients=list(recipients), performative=ACCEPT_PROPOSAL, content=content,
                                   ontology="", protocol=run.protocol, conversation_id=run.pk, in_reply_to=None,
                                   key=key, reply_by=run.result_by))
    if decided.rejected:
        cycle.mind.drafts.append(Draft(recipients=[s.participant_id for s in decided.rejected],
                                       performative="reject-proposal", content={"reason": "not_accepted"},
                                       ontology="", protocol=run.protocol, conversation_id=run.pk,
                                       in_reply_to=None, key=f"{key}:reject"))
    intention.status = IntentionStatus.WAITING
    intention.wait = {"protocol": str(run.pk), "opening": ACCEPT_PROPOSAL, "to": str(target), "bind": bind}
    return f"{run.protocol}: accepted {len(recipients)}, rejected {len(decided.rejected)} (run {run.pk})"
