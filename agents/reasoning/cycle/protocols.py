"""Interaction protocols in the cycle: messages checked against their run before plan selection, the
initiator's intention woken when its run closes, and the participant's automatic ``no_plan`` refusal.

The run (``agents.protocols``) is loaded with the batch (``cycle/batch.py``) for every message event of a
protocol conversation that has one. Then, in ``Cycle.take``:

- the **initiator** receives a reply: ``run_message`` applies the table's move. Allowed: the run moves on;
  when it closes, the intention waiting on it (``wait = {"protocol": run id}``) resumes with the result
  (``done``) or fails with the annotation (``refused``, ``failure``, ``timeout``). Not allowed (a
  performative not allowed now, a sender that is not a participant, a reply after the run closed): a
  ``not-understood`` goes back to the sender and the refusal is recorded on the run. Either way the message
  is the protocol's: no plan is selected for it.
- a **participant** receives the opening act: its plans handle it as any message event (``^message:request``
  and so on); with no applicable plan it refuses at once with reason ``no_plan``.
- a ``not-understood`` from the participant ends the run as ``failed`` (JADE's handleNotUnderstood); one
  the run cannot take is recorded but never answered (two agents would trade them forever). At a
  participant, plans may handle it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agents.protocols.outcomes import NOT_UNDERSTOOD, TERMINAL_OUTCOME
from agents.protocols.services import is_opening, run_message
from agents.protocols.transitions import CONTRACT_NET, SUBSCRIBE, TERMINAL, RunState
from agents.reasoning.cycle import frames
from agents.reasoning.cycle.contract_net import cnet_route, collected_resume
from agents.reasoning.cycle.errors import StepFailed
from agents.reasoning.cycle.state import Draft
from agents.reasoning.cycle.subscriptions import subscription_agreed
from agents.reasoning.events.models import EventSource
from agents.reasoning.intentions.models import Intention, IntentionStatus

if TYPE_CHECKING:
    from agents.reasoning.events.models import AgentEvent

#: The interpreter's ``Cycle`` calls these; naming its type here would be an import circle.
Cycle = Any

#: The name the protocol sweeper's events carry as their source (``events.services.protocol_runs_closed``).
SWEEPER = "protocols"
#: A closed run's state -> the error a failed ``start_protocol`` step is annotated with.
FAILURES = {RunState.REFUSED: "refused", RunState.FAILED: "failure", RunState.TIMEOUT: "timeout",
            RunState.CANCELLED: "cancelled"}
#: A Contract-Net call that closed with no proposal fails its step with this error (and reason).
NO_PROPOSALS = "no_proposals"


def _run_of(cycle: Cycle, event: AgentEvent) -> tuple[Any, Any]:
    message = cycle.mind.messages.get(event.message_id)
    if message is None:
        return None, message
    return cycle.mind.runs.get(message.conversation_id), message


def protocol_route(cycle: Cycle, event: AgentEvent) -> bool:
    """Check a message event against its run; True when the protocol took it (no plan is selected)."""
    run, message = _run_of(cycle, event)
    me = cycle.mind.agent.pk
    if run is not None and message.performative == "cancel" and me not in (run.initiator_id,
                                                                          message.sender_agent_id):
        return _cancel_check(cycle, run, message)
    if run is not None and run.protocol == CONTRACT_NET:
        took = cnet_route(cycle, run, message)
        waiter = _waiter(cycle, run.pk) if took and run.initiator_id == me else None
        if waiter is not None and run.pk in cycle.mind.collected:
            collected_resume(cycle, waiter, run.pk, cycle.mind.collected.pop(run.pk))
        elif waiter is not None and run.state in TERMINAL:
            run_closed_resume(cycle, waiter, state=run.state, result=run.result, reason=run.reason)
        return took
    if run is None or run.initiator_id != me or message.sender_agent_id == me:
        return False
    sessions = list(run.sessions.all())
    before = run.state
    outcome = run_message(run=run, sessions=sessions, message=message, now=cycle.now)
    cycle.mind.changed_runs[run.pk] = run
    for session in sessions:
        if session.last_message_id == message.pk:
            cycle.mind.changed_sessions[session.pk] = session
    detail = f"{run.protocol} run {run.pk}: {message.performative} from agent {message.sender_agent_id}"
    if outcome.verdict == NOT_UNDERSTOOD:
        cycle.trace["choice"] = {"why": f"{detail} refused with not-understood: {outcome.why}"}
        if message.sender_agent_id and message.performative != "not-understood":  # never answered: no ping-pong
            cycle.mind.drafts.append(Draft(
                recipients=[message.sender_agent_id], performative="not-understood",
                content={"reason": outcome.why, "performative": message.performative}, ontology=message.ontology,
                protocol=run.protocol, conversation_id=run.pk, in_reply_to=message,
                key=f"protocol:{run.pk}:not-understood:{message.pk}"))
        return True
    cycle.trace["choice"] = {"why": f"{detail}: the run is {outcome.state.replace('_', ' ')}"}
    if run.protocol == SUBSCRIBE and RunState.SUBSCRIBED in (before, outcome.state):
        # FIPA Subscribe: the step resumes at the agree; the informs (and a closing failure) reach its plans.
        if before != RunState.SUBSCRIBED:
            waiter = _waiter(cycle, run.pk)
            if waiter is not None:
                subscription_agreed(cycle, waiter, message.content)
            return True
        return False
    if outcome.verdict == TERMINAL_OUTCOME:
        waiter = _waiter(cycle, run.pk)
        if waiter is not None:
            run_closed_resume(cycle, waiter, state=run.state, result=run.result, reason=run.reason)
    return True


def _cancel_check(cycle: Cycle, run: Any, message: Any) -> bool:
    """At a participant: a cancel goes on to its plans (``^message:cancel``) only for a run its initiator
    cancelled (``protocols.services.run_cancel``), or for an open subscription (FIPA Subscribe's own cancel: the
    participant ends its promise, ``cycle/subscriptions.py``); one for a run that finished otherwise, or from
    someone else, is answered with not-understood."""
    from_initiator = message.sender_agent_id == run.initiator_id
    if from_initiator and (run.state == RunState.CANCELLED
                           or (run.protocol == SUBSCRIBE and run.state == RunState.SUBSCRIBED)):
        return False
    why = (f"the run is {run.state.replace('_', ' ')}: there is nothing to cancel"
           if message.sender_agent_id == run.initiator_id else "only the run's initiator may cancel it")
    cycle.trace["choice"] = {"why": f"{run.protocol} run {run.pk}: cancel refused with not-understood: {why}"}
    if message.sender_agent_id:
        cycle.mind.drafts.append(Draft(
            recipients=[message.sender_agent_id], performative="not-understood",
            content={"reason": why, "performative": "cancel"}, ontology=message.ontology, protocol=run.protocol,
            conversation_id=run.pk, in_reply_to=message, key=f"protocol:{run.pk}:not-understood:{message.pk}"))
    return True


def protocol_refuse_unplanned(cycle: Cycle, event: AgentEvent) -> bool:
    """A participant with no applicable plan for a run's opening act refuses it (reason ``no_plan``)."""
    run, message = _run_of(cycle, event)
    me = cycle.mind.agent.pk
    if run is None or run.initiator_id == me or not is_opening(run, message):
        return False
    if not any(session.participant_id == me for session in run.sessions.all()):
        return False
    cycle.mind.drafts.append(Draft(
        recipients=[run.initiator_id], performative="refuse", content={"reason": "no_plan"},
        ontology=message.ontology, protocol=run.protocol, conversation_id=run.pk, in_reply_to=message,
        key=f"protocol:{run.pk}:no_plan:{me}"))
    cycle.trace["choice"] = {"why": f"no applicable plan for the {run.protocol} {message.performative}: "
                                    "refused (no_plan)"}
    return True


def protocol_event(cycle: Cycle, event: AgentEvent) -> None:
    """A ``protocol`` event (the sweeper closed a run): the intention waiting on the run resumes or fails."""
    args = event.args or {}
    cycle.trace["event"]["name"] = f"{args.get('protocol', '')} {args.get('state', '')}".strip()
    collected = args.get("state") == RunState.AWAITING_DECISION and args.get("phase") == "all_responses"
    if (event.source, event.source_name) != (EventSource.SYSTEM, SWEEPER) or (
            args.get("state") not in FAILURES and not collected):
        # Events can be posted through the API: only the sweeper's own closes a run's wait, and only as a
        # failure (a result comes from the participant's message, checked against the run).
        cycle.trace["choice"] = {"why": "a protocol event not posted by the protocol sweeper: ignored"}
        return
    waiter = _waiter(cycle, args.get("run"))
    if waiter is None:
        cycle.trace["choice"] = {"why": "no intention waits on this run any more"}
        return
    cycle.trace["choice"] = {"why": f"run {args.get('run')} is {args.get('state')}"}
    if collected:  # Contract-Net: the reply-by deadline closed the call
        collected_resume(cycle, waiter, args.get("run"), {"proposals": list(args.get("proposals") or []),
                                                          "refused": list(args.get("refused") or [])})
        return
    run_closed_resume(cycle, waiter, state=str(args.get("state")), result=args.get("result"),
                      reason=str(args.get("reason") or ""))


def _waiter(cycle: Cycle, run_id: Any) -> Intention | None:
    wanted = str(run_id)
    for intention in cycle.mind.intentions:
        if intention.status == IntentionStatus.WAITING and (intention.wait or {}).get("protocol") == wanted:
            return intention
    return None


def run_closed_resume(cycle: Cycle, intention: Intention, *, state: str, result: Any, reason: str) -> None:
    """Resume the ``start_protocol`` step with the run's result, or fail it with its annotation."""
    wait = intention.wait or {}
    if state == RunState.DONE:
        bound = {wait["bind"]: result} if wait.get("bind") else {}
        cycle.resume(intention, bound, f"{wait.get('opening', 'protocol')} to {wait.get('to', '?')}: done")
        return
    cycle.resume(intention, {}, "", advance=False)
    frame = intention.stack[-1]
    error = NO_PROPOSALS if reason == NO_PROPOSALS else FAILURES.get(state, "failure")
    cycle.fail(intention, StepFailed(error, f"{wait.get('opening', 'protocol')} run {wait.get('protocol')}: "
                                            f"{reason or state}"), frame, frames.path_text(frame["pc"]))

