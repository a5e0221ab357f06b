"""What each step kind does when an intention takes it (RUNTIME.md §3's table; docs/reasoning.md, Step kinds).

A step either completes (the frame's pc moves past it), enters a branch (``if``), pushes a frame (a subgoal,
a test goal's plan), makes the intention wait (``wait``, ``action``, ``ask_approval``), or fails (``StepFailed``:
the plan fails and ``Cycle.fail`` looks for a recovery). Effects are recorded in the mind and written with the batch:
a ``send`` as a draft whose idempotency key is (intention, step count), an ``action`` as a request whose id
is derived from the same key, so a replayed cycle produces the same rows, and the unique keys refuse a
second copy.
"""

from __future__ import annotations

import datetime
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from agents.common.limits import APPROVAL_QUESTION_MAX, CONTENT_MAX_CHARS
from agents.protocols.contract_net import cnet_build
from agents.protocols.services import run_build, run_id_for
from agents.protocols.transitions import ACCEPT_PROPOSAL
from agents.reasoning.actions.services import NewActionRequest, action_request_check
from agents.reasoning.approvals.services.requests import NewApprovalRequest, approval_request_check
from agents.reasoning.cycle import frames
from agents.reasoning.cycle.contract_net import accept_proposals
from agents.reasoning.cycle.errors import StepFailed
from agents.reasoning.cycle.events import EventTrigger
from agents.reasoning.cycle.learned import callers_with
from agents.reasoning.cycle.protocols import protocol_cancel
from agents.reasoning.cycle.state import Draft
from agents.reasoning.cycle.subscriptions import subscribed_key
from agents.reasoning.cycle.terms import content_checked, truth, value
from agents.reasoning.cycle.told import tell
from agents.reasoning.events.models import EventKind
from agents.reasoning.intentions.models import Intention, IntentionStatus
from agents.reasoning.models import GoalStatus
from agents.reasoning.plans.triggers import TriggerKind
from mabos.errors import InvalidInput

if TYPE_CHECKING:  # the interpreter calls these; they only name its type
    from agents.reasoning.cycle.interpreter import Cycle

logger = logging.getLogger("agents.reasoning")

#: The namespace of ActionRequest ids: uuid5(namespace, idempotency key), the same on every replay.
ACTION_NAMESPACE = uuid.UUID("6f1d8f0e-9c1b-4a43-a0e3-2f7f7b9a1c55")
#: The namespace of ApprovalRequest ids, derived the same way.
APPROVAL_NAMESPACE = uuid.UUID("0b7f5c2e-4d0a-4e8b-9a51-3c6a1d2e9f47")

ADVANCE, STAY = "advance", "stay"
#: The ``start_protocol`` protocols addressed to several agents (Contract-Net).
MANY = ("cfp", ACCEPT_PROPOSAL)


def step(cycle: Cycle, intention: Intention) -> None:
    """Take one step of ``intention``: the step at its top frame's pc."""
    frame = intention.stack[-1]
    candidate = cycle.library.version(frame["version"]) if frame["version"] else None
    if candidate is None:
        cycle.fail(intention, StepFailed("internal", "the plan version is gone"), frame, "")
        return
    current = frames.step_at(candidate.body, frame["pc"])
    if current is None:
        cycle.settle(intention)
        return
    path = frames.path_text(frame["pc"])
    if not cycle.steps_left(intention):
        cycle.fail(intention, StepFailed("max_steps", "the intention took its lifetime's steps"), frame, path)
        return
    intention.steps_total += 1
    kind = current["kind"]
    try:
        outcome, detail = KINDS[kind](cycle, intention, frame, candidate, current)
    except StepFailed as failure:
        cycle.note(intention, frame, kind, "failed", f"{failure.error}: {failure.message}".rstrip(": "))
        cycle.fail(intention, failure, frame, path)
        cycle.settle(intention)
        return
    except Exception as error:  # a bug of ours fails this intention, never the batch
        logger.exception("step %s of plan %s failed inside MABOS", path, frame.get("label"))
        cycle.mind.error = f"{type(error).__name__}: {error}"[:2000]
        cycle.note(intention, frame, kind, "failed", "internal error")
        cycle.fail(intention, StepFailed("internal", type(error).__name__), frame, path)
        cycle.settle(intention)
        return
    entry = {"intention": str(intention.id), "label": frame.get("label"), "version": frame.get("number"),
             "path": path, "kind": kind, "result": outcome if outcome in ("waiting", "dropped") else "ok",
             "detail": detail}
    cycle.trace["steps"].append(entry)
    if outcome == ADVANCE and intention.stack and intention.stack[-1] is frame:
        frame["pc"] = frames.advance(candidate.body, frame["pc"])
    cycle.changed(intention)
    cycle.settle(intention)


# --------------------------------------------------------------------- goals
def achieve(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    args = [value(cycle, frame, item) for item in s.get("args", [])]
    goal = cycle.new_goal(s["goal"], args, frame.get("goal"))
    trigger = EventTrigger(kind=TriggerKind.GOAL_ADDED, name=s["goal"], values=args)
    choice = cycle.choose(trigger, cycle.options(trigger))
    child_trigger = {"kind": TriggerKind.GOAL_ADDED, "name": s["goal"]}
    if choice is None:
        # Jason: a subgoal with no applicable plan raises -!g for the subgoal itself.
        placeholder = cycle.frame(None, {}, child_trigger, goal=goal.pk, goal_args=args, reply=frame.get("reply"))
        _push_goal(cycle, intention, placeholder)
        raise StepFailed("no_applicable", f"no applicable plan for !{s['goal']}")
    chosen, bindings = choice
    child = cycle.frame(chosen, bindings, child_trigger, goal=goal.pk, goal_args=args, reply=frame.get("reply"))
    # Only a goal's plan is a caller a tail call may drop (Jason: "are both goal"): a +?b plan's frame must
    # stay, its pop is what binds the ?b step below it.
    # A frame deciding on a Contract-Net run stays: its subgoals' accept-proposal finds the run through it.
    tail = (frames.is_last(candidate.body, frame["pc"]) and frame["recovers"] is None and not frame["atomic"]
            and not frame.get("deciding")
            and frame["trigger"]["kind"] == TriggerKind.GOAL_ADDED
            and not cycle.library.relevant(organization_id=cycle.mind.agent.organization_id,
                                           role_id=cycle.mind.agent.role_id, kind=TriggerKind.GOAL_FAILED,
                                           name=frame["trigger"]["name"], agent_id=cycle.mind.agent.pk))
    if tail:
        # Jason's tail-recursion optimisation: the caller has nothing left to do and no failure plan to run,
        # so its frame goes; its goals are achieved when the callee's are.
        intention.stack.pop()
        child["goals"] = [*frame.get("goals", []), *([frame["goal"]] if frame.get("goal") else [])]
        child["callers"] = callers_with(frame)
    _push_goal(cycle, intention, child)
    held = f"{chosen.context} held" if chosen.context else "no context"
    return STAY, f"!{s['goal']}: chose plan `{chosen.label}` v{chosen.version} ({held})" + \
        (" as a tail call" if tail else "")


def _push_goal(cycle: Cycle, intention: Intention, frame: dict[str, Any]) -> None:
    """Push a subgoal's frame. When a limit refuses it, its goals (the subgoal's, and a tail call's callers')
    fail with the plan: no frame is left that would ever end them."""
    try:
        cycle.push(intention, frame)
    except StepFailed:
        cycle.frame_goals(frame, GoalStatus.FAILED)
        raise


def achieve_new(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    args = [value(cycle, frame, item) for item in s.get("args", [])]
    goal = cycle.new_goal(s["goal"], args, None)
    cycle.post(EventKind.GOAL_ADDED, {"goal": str(goal.pk), "name": goal.name, "kind": goal.kind,
                                      "priority": goal.priority, "args": args})
    return ADVANCE, f"!!{s['goal']}: a new intention will pursue it"


def test(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    key = s["belief"]
    if key in cycle.mind.beliefs:
        if s.get("bind"):
            frame["bindings"][s["bind"]] = cycle.mind.beliefs[key]
        return ADVANCE, f"?{key}: found"
    trigger = EventTrigger(kind=TriggerKind.TEST_GOAL, name=key, values=[])
    choice = cycle.choose(trigger, cycle.options(trigger))
    if choice is None:
        raise StepFailed("no_belief", f"?{key}: no such belief and no +?{key} plan")
    chosen, bindings = choice
    cycle.push(intention, cycle.frame(chosen, bindings, {"kind": TriggerKind.TEST_GOAL, "name": key},
                                      reply=frame.get("reply")))
    return STAY, f"?{key}: absent, chose plan `{chosen.label}` for +?{key}"


# --------------------------------------------------------------------- beliefs and conditions
def add_belief(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    new = content_checked(value(cycle, frame, s.get("value", True)), "value")
    cycle.set_belief(s["belief"], new)
    return ADVANCE, f"+{s['belief']}"


def remove_belief(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    cycle.set_belief(s["belief"], None, present=False)
    return ADVANCE, f"-{s['belief']}"


def constraint(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    held, reason = truth(cycle, frame, s["condition"])
    if not held:
        raise StepFailed("constraint", f"{s['condition']} does not hold" + (f" ({reason})" if reason else ""))
    return ADVANCE, f"{s['condition']} holds"


def branch(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    held, reason = truth(cycle, frame, s["condition"])
    frame["pc"] = frames.enter(candidate.body, frame["pc"], "then" if held else "else")
    return STAY, f"if {s['condition']}: {'then' if held else 'else'}" + (f" ({reason})" if reason else "")


# --------------------------------------------------------------------- effects
def send(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    targets = s["to"] if isinstance(s["to"], list) else [s["to"]]
    recipients: list[Any] = []
    for target in targets:
        name = value(cycle, frame, target)
        for pk in cycle.directory.resolve(organization_id=cycle.mind.agent.organization_id, name=name,
                                          template=candidate.template and not isinstance(target, dict)):
            if pk not in recipients:
                recipients.append(pk)
    content = content_checked(value(cycle, frame, s.get("content")), "content", CONTENT_MAX_CHARS)
    reply = frame.get("reply") or {}
    answering = reply.get("sender") and [str(pk) for pk in recipients] == [reply["sender"]]
    message = cycle.mind.messages.get(uuid.UUID(reply["message"])) if answering else None
    conversation = uuid.UUID(reply["conversation"]) if answering else uuid.uuid4()
    # A reply inside an interaction protocol stays in it: the run checks it (docs/protocols.md).
    protocol = s.get("protocol", "") or (message.protocol if message is not None else "")
    cycle.mind.drafts.append(Draft(recipients=recipients, performative=s["performative"], content=content,
                                   ontology=s.get("ontology", ""), protocol=protocol,
                                   conversation_id=conversation, in_reply_to=message,
                                   key=f"intention:{intention.id}:{intention.steps_total}"))
    return ADVANCE, f"sent {s['performative']} to {', '.join(str(value(cycle, frame, t)) for t in targets)}"


def tell_how(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    """Jason's tellHow: a plan sent to group members, who may adopt it (cycle/told.py)."""
    targets = s["to"] if isinstance(s["to"], list) else [s["to"]]
    return ADVANCE, tell(cycle, intention, candidate,
                         [(value(cycle, frame, target), not isinstance(target, dict)) for target in targets], s["plan"])


def action(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    args = value(cycle, frame, s.get("args", {}))
    key = f"intention:{intention.id}:{intention.steps_total}"
    request = uuid.uuid5(ACTION_NAMESPACE, key)
    new = NewActionRequest(id=request, agent=cycle.mind.agent.pk, intention=intention.id, name=s["name"],
                           args=args, idempotency_key=key)
    try:
        action_request_check(new)
    except InvalidInput as invalid:
        raise StepFailed("bad_content", str(invalid)) from None
    cycle.mind.actions.append(new)
    intention.status = IntentionStatus.WAITING
    intention.wait = {"action": str(request), "name": s["name"], "bind": s.get("bind")}
    return "waiting", f"asked for action {s['name']} (request {request})"


def ask_approval(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    """Open a human approval gate: an ApprovalRequest row written with the batch, and the intention waits for
    its ``approval`` event (approvals/services/decisions.py) or its deadline (``Cycle.expire_waits``)."""
    question = value(cycle, frame, s["question"])
    if not isinstance(question, str):
        question = content_checked(question, "question")
        question = json.dumps(question, ensure_ascii=False)
    if not question.strip() or len(question) > APPROVAL_QUESTION_MAX:
        raise StepFailed("bad_content", f"question: a text of 1 to {APPROVAL_QUESTION_MAX} characters")
    key = f"intention:{intention.id}:{intention.steps_total}"
    request = uuid.uuid5(APPROVAL_NAMESPACE, key)
    deadline = cycle.now + datetime.timedelta(seconds=s["timeout"])
    new = NewApprovalRequest(id=request, agent=cycle.mind.agent.pk, intention=intention.id, idempotency_key=key,
                             name=s["name"], question=question, of=s["of"], deadline=deadline,
                             plan=frame.get("label") or "", plan_version=frame.get("number"),
                             step=frames.path_text(frame["pc"]))
    try:
        approval_request_check(new)
    except InvalidInput as invalid:
        raise StepFailed("bad_content", str(invalid)) from None
    cycle.mind.approvals.append(new)
    intention.status = IntentionStatus.WAITING
    intention.wait = {"approval": str(request), "name": s["name"], "bind": s.get("bind")}
    intention.wait_until = deadline
    return "waiting", f"asked {s['of']} for approval {s['name']} (request {request}), at most {s['timeout']:g} s"


def start_protocol(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    """Open a run (its id, the conversation's, derived from the step's key like an action's request), send its
    opening act with the batch, and wait on the run: the run's deadlines bound the wait, never infinite."""
    if s["protocol"] in MANY:
        return _contract_net(cycle, intention, frame, candidate, s)
    target = value(cycle, frame, s["to"])
    recipients = cycle.directory.resolve(organization_id=cycle.mind.agent.organization_id, name=target,
                                         template=candidate.template and not isinstance(s["to"], dict))
    if len(recipients) != 1:
        raise StepFailed("bad_recipient", f"{target!r} names {len(recipients)} agents; a run has one participant")
    if recipients[0] == cycle.mind.agent.pk:
        raise StepFailed("bad_recipient", "an agent does not open a protocol run with itself")
    content = content_checked(value(cycle, frame, s.get("content")), "content", CONTENT_MAX_CHARS)
    if s["protocol"] == "subscribe" and subscribed_key(content) is None:
        raise StepFailed("bad_content", 'a subscribe names the belief subscribed to: {"belief": "<key>"}')
    key = f"intention:{intention.id}:{intention.steps_total}"
    run, session = run_build(run_id=run_id_for(key), organization_id=cycle.mind.agent.organization_id,
                             opening=s["protocol"], initiator_id=cycle.mind.agent.pk, participant_id=recipients[0],
                             content=content, intention_id=intention.id, response_timeout=s["response_timeout"],
                             result_timeout=s["result_timeout"], now=cycle.now)
    cycle.mind.new_runs.append((run, session))
    cycle.mind.drafts.append(Draft(recipients=recipients, performative=run.performative, content=content,
                                   ontology="", protocol=run.protocol, conversation_id=run.pk, in_reply_to=None,
                                   key=key, reply_by=run.response_by))
    intention.status = IntentionStatus.WAITING
    intention.wait = {"protocol": str(run.pk), "opening": s["protocol"], "to": str(target), "bind": s.get("bind")}
    return "waiting", f"{run.protocol}: {run.performative} to {target} (run {run.pk})"


def _contract_net(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    """Contract-Net (docs/protocols.md): ``cfp`` opens a run with every agent ``to`` names (a list, a group
    or a role), ``accept-proposal`` is the initiator's decision on the run its frame resumed from."""
    targets = s["to"] if isinstance(s["to"], list) else [s["to"]]
    named = [value(cycle, frame, target) for target in targets]
    recipients: list[Any] = []
    for target, name in zip(targets, named, strict=True):
        for pk in cycle.directory.resolve(organization_id=cycle.mind.agent.organization_id, name=name,
                                          template=candidate.template and not isinstance(target, dict)):
            if pk not in recipients and pk != cycle.mind.agent.pk:
                recipients.append(pk)
    shown = ", ".join(str(name) for name in named)
    content = content_checked(value(cycle, frame, s.get("content")), "content", CONTENT_MAX_CHARS)
    key = f"intention:{intention.id}:{intention.steps_total}"
    if s["protocol"] == ACCEPT_PROPOSAL:
        if not recipients:
            raise StepFailed("bad_recipient", f"{shown or 'nobody'}: an accept-proposal names the winners")
        return "waiting", accept_proposals(cycle, intention, recipients=recipients, content=content, key=key,
                                           bind=s.get("bind"), target=shown)
    if not recipients:
        raise StepFailed("bad_recipient", f"{shown or 'nobody'} names no agent but this one: a cfp needs bidders")
    pairs = cnet_build(run_id=run_id_for(key), organization_id=cycle.mind.agent.organization_id,
                       initiator_id=cycle.mind.agent.pk, participant_ids=recipients, content=content,
                       intention_id=intention.id, response_timeout=s["response_timeout"],
                       result_timeout=s["result_timeout"], now=cycle.now)
    run = pairs[0][0]
    cycle.mind.new_runs.extend(pairs)
    cycle.mind.drafts.append(Draft(recipients=recipients, performative="cfp", content=content, ontology="",
                                   protocol=run.protocol, conversation_id=run.pk, in_reply_to=None, key=key,
                                   reply_by=run.response_by))
    intention.status = IntentionStatus.WAITING
    intention.wait = {"protocol": str(run.pk), "opening": "cfp", "to": shown, "bind": s.get("bind")}
    return "waiting", f"{run.protocol}: cfp to {shown} ({len(recipients)} agents, run {run.pk})"


def cancel_protocol(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    """Cancel one of the agent's own open runs (cycle/protocols.py, ``protocol_cancel``)."""
    reason = value(cycle, frame, s.get("reason"))
    reason = "cancelled by the initiator's plan" if reason is None else str(reason)
    return ADVANCE, protocol_cancel(cycle, intention, frame, value(cycle, frame, s.get("run")), reason,
                                    f"intention:{intention.id}:{intention.steps_total}")


def wait(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    intention.status = IntentionStatus.WAITING
    intention.wait = {"event": s.get("event"), "args": s.get("args", []), "on_timeout": s.get("on_timeout", "fail")}
    timeout = s.get("timeout")
    intention.wait_until = cycle.now + datetime.timedelta(seconds=timeout) if timeout else None
    what = s["event"]["kind"] if s.get("event") else "a timer"
    return "waiting", f"waiting for {what}" + (f", at most {timeout:g} s" if timeout else "")


# --------------------------------------------------------------------- endings
def fail(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    message = value(cycle, frame, s.get("message"))
    raise StepFailed(s.get("error") or "failed", "" if message is None else str(message)[:2000])


def succeed(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    frame["pc"] = [len(candidate.body)]
    return STAY, "the plan ends, achieved"


def drop(cycle: Cycle, intention: Intention, frame: dict[str, Any], candidate: Any, s: dict[str, Any]):
    cycle.finish(intention, IntentionStatus.DROPPED)
    return "dropped", "the intention is dropped"


KINDS = {"achieve": achieve, "achieve_new": achieve_new, "test": test, "add_belief": add_belief,
         "remove_belief": remove_belief, "replace_belief": add_belief, "constraint": constraint, "send": send,
         "tell_how": tell_how,
         "action": action, "ask_approval": ask_approval, "start_protocol": start_protocol,
         "cancel_protocol": cancel_protocol,
         "wait": wait, "if": branch, "fail": fail, "succeed": succeed, "drop": drop}
