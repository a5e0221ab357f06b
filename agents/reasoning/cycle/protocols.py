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

from agents.common.validation import parse_uuid
from agents.protocols.contract_net import proposals
from agents.protocols.models import ProtocolRun
from agents.protocols.outcomes import NOT_UNDERSTOOD, TERMINAL_OUTCOME
from agents.protocols.services import is_opening, run_cancel_apply, run_message
from agents.protocols.transitions import CONTRACT_NET, SUBSCRIBE, TERMINAL, RunState
from agents.reasoning.cycle import frames
from agents.reasoning.cycle.contract_net import cnet_route, collected_resume
from agents.reasoning.cycle.errors import StepFailed
from agents.reasoning.cycle.events import EventTrigger
from agents.reasoning.cycle.state import Draft
from agents.reasoning.cycle.subscriptions import subscription_agreed
from agents.reasoning.events.models import EventKind, EventSource
from agents.reasoning.intentions.models import Intention, IntentionStatus
from agents.reasoning.plans.triggers import TriggerKind

if TYPE_CHECKING:
    from agents.reasoning.events.models import AgentEvent

#: The interpreter's ``Cycle`` calls these; naming its type here would be an import circle.
Cycle = Any

#: The name the protocol sweeper's events carry as their source (``events.services.protocol_runs_closed``).
SWEEPER = "protocols"
#: A closed run's state -> the error a failed ``start_protocol`` step is annotated with.
FAILURES = {RunState.REFUSED: "refused", RunState.FAILED: "failure", RunState.TIMEOUT: "timeout",
            RunState.CANCELLED: "cancelled"}
#: The phase of a Contract-Net call that closed with proposals: the trigger ``^protocol:all_responses``.
ALL_RESPONSES = "all_responses"
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
        elif run.pk in cycle.mind.collected and run.initiator_id == me:
            # Nobody waits on the call (started through the API, or its intention was dropped): the
            # initiator's plans decide, on a ^protocol:all_responses event (taken in a later cycle).
            cycle.mind.collected.pop(run.pk)
            cycle.post(EventKind.PROTOCOL, {"run": str(run.pk), "protocol": run.protocol, "state": run.state,
                                            "phase": ALL_RESPONSES}, system=SWEEPER)
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


def protocol_event(cycle: Cycle, event: AgentEvent) -> EventTrigger | None:
    """A ``protocol`` event (the sweeper closed a run, or a call closed): the intention waiting on the run
    resumes or fails; a call nobody waits on is the ``^protocol:all_responses`` trigger returned for plan
    selection. None: the event is taken (no plan is selected)."""
    args = event.args or {}
    cycle.trace["event"]["name"] = f"{args.get('protocol', '')} {args.get('state', '')}".strip()
    collected = args.get("state") == RunState.AWAITING_DECISION and args.get("phase") == ALL_RESPONSES
    if (event.source, event.source_name) != (EventSource.SYSTEM, SWEEPER) or (
            args.get("state") not in FAILURES and not collected):
        # Events can be posted through the API: only the sweeper's own closes a run's wait, and only as a
        # failure (a result comes from the participant's message, checked against the run).
        cycle.trace["choice"] = {"why": "a protocol event not posted by the protocol sweeper: ignored"}
        return None
    waiter = _waiter(cycle, args.get("run"))
    if waiter is None and collected:
        return _all_responses(cycle, args.get("run"))
    if waiter is None:
        cycle.trace["choice"] = {"why": "no intention waits on this run any more"}
        return None
    cycle.trace["choice"] = {"why": f"run {args.get('run')} is {args.get('state')}"}
    if collected:  # Contract-Net: the reply-by deadline closed the call
        collected_resume(cycle, waiter, args.get("run"), {"proposals": list(args.get("proposals") or []),
                                                          "refused": list(args.get("refused") or [])})
        return None
    run_closed_resume(cycle, waiter, state=str(args.get("state")), result=args.get("result"),
                      reason=str(args.get("reason") or ""))
    return None


def _all_responses(cycle: Cycle, run_id: Any) -> EventTrigger | None:
    """The trigger of a closed call nobody waits on, if the run (loaded with the batch) still waits for this
    agent's decision: its proposals and refusals read from the run's sessions, never from the event."""
    pk = parse_uuid(run_id)
    run = cycle.mind.runs.get(pk) if pk else None
    if run is None or run.initiator_id != cycle.mind.agent.pk or run.state != RunState.AWAITING_DECISION:
        cycle.trace["choice"] = {"why": f"run {run_id} no longer waits for a decision"}
        return None
    responses = {"run": str(run.pk), **proposals(list(run.sessions.all()))}
    cycle.trace["event"]["name"] = ALL_RESPONSES
    return EventTrigger(kind=TriggerKind.PROTOCOL, name=ALL_RESPONSES, values=[responses],
                        protocol=run.protocol, extra={"deciding": str(run.pk)})


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



def protocol_cancel(cycle: Cycle, intention: Intention, frame: dict[str, Any], ref: Any, reason: str,
                    key: str) -> str:
    """The initiator's plan cancels one of its own open runs (the cancel meta-protocol, as ``run_cancel`` for a
    person): the run and its open sessions ``cancelled``, a ``cancel`` to those sessions' participants, and an
    intention waiting on the run fails ``cancelled``, all with this cycle's writes. ``ref`` is the run: its id,
    a cfp's bound result (``{"run": id, ...}``), or None for the run of the conversation the plan answers (a
    subscription's inform) or else the Contract-Net run the intention decides on."""
    run = _cancel_target(cycle, intention, frame, ref)
    sessions = list(run.sessions.all())
    state = run.state
    opened = run_cancel_apply(run=run, sessions=sessions, reason=reason, now=cycle.now)
    if opened is None:
        raise StepFailed("protocol_closed", f"{run.protocol} run {run.pk} is {state.replace('_', ' ')}: "
                                            "only an open run can be cancelled")
    cycle.mind.changed_runs[run.pk] = run
    for session in opened:
        cycle.mind.changed_sessions[session.pk] = session
    if opened:
        cycle.mind.drafts.append(Draft(
            recipients=[session.participant_id for session in opened], performative="cancel",
            content={"reason": run.reason}, ontology="", protocol=run.protocol, conversation_id=run.pk,
            in_reply_to=None, key=key))
    waiter = _waiter(cycle, run.pk)
    if waiter is not None:
        run_closed_resume(cycle, waiter, state=run.state, result=None, reason=run.reason)
    return f"cancelled {run.protocol} run {run.pk} ({len(opened)} participant(s) told)"


def _cancel_target(cycle: Cycle, intention: Intention, frame: dict[str, Any], ref: Any) -> Any:
    me = cycle.mind.agent.pk
    if isinstance(ref, dict) and "run" in ref:
        ref = ref["run"]
    if ref is None:
        conversation = parse_uuid(str((frame.get("reply") or {}).get("conversation") or ""))
        run = cycle.mind.runs.get(conversation) if conversation else None
        if run is None:
            deciding = next((f["deciding"] for f in reversed(intention.stack) if f.get("deciding")), None)
            run = cycle.mind.runs.get(parse_uuid(deciding)) if deciding else None
        if run is None or run.initiator_id != me:
            raise StepFailed("bad_run", "no run to cancel here: name it (its id, or a cfp's result)")
        return run
    pk = parse_uuid(ref) if isinstance(ref, str) else None
    if pk is None:
        raise StepFailed("bad_run", f"{ref!r} is not a run id")
    run = cycle.mind.runs.get(pk)
    if run is None:  # a run the batch did not load (started in an earlier cycle): one query, this step only
        run = ProtocolRun.objects.filter(pk=pk, initiator_id=me).prefetch_related("sessions").first()
        if run is not None:
            cycle.mind.runs[pk] = run
    if run is None or run.initiator_id != me:
        raise StepFailed("bad_run", f"run {ref} is not a run this agent started")
    return run
