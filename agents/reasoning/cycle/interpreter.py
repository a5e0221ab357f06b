"""One Jason reasoning cycle of one agent, over its loaded ``Mind`` (RUNTIME.md §3).

Per cycle: waiting intentions whose timeout passed resume or fail; unless an atomic intention is running,
the selected event (the oldest, by default) is taken: waiting intentions that wait for it resume, its
relevant plans are found, the applicable ones kept (context holds), one chosen (first in source order, by
default), and an external event starts a new intention; then every running intention takes a step,
least recently stepped first (an atomic one alone). Steps are in ``cycle/steps.py``.

Where MABOS differs from Jason's in-memory interpreter, on purpose:

- A subgoal (``!g``) and a test goal's plan (``+?b``) are expanded in the step that raises them, not as an
  internal event queued behind the others: the same plan is chosen, one cycle earlier, and no event row is
  written for it. ``!!g`` does post a ``goal_added`` event: a new focus waits its turn, as in Jason.
- A failure is handled in the step that fails (Jason posts ``-!g`` with the intention): the nearest goal
  frame with an applicable failure plan gets it, with the annotations (error, message, plan, step) in
  the trace and on the intention; a failure inside a recovery plan cascades below the goal it recovers
  (Jason 2.5). With none, the intention fails and its goals with it.
- Everything the cycle changes is in the mind until ``writes.py`` commits it with the batch.
"""

from __future__ import annotations

import logging
from typing import Any

from agents.reasoning.cycle import frames
from agents.reasoning.cycle.bookkeeping import PURSUABLE
from agents.reasoning.cycle.errors import StepFailed
from agents.reasoning.cycle.events import EventTrigger, event_trigger, matches
from agents.reasoning.cycle.library import Candidate
from agents.reasoning.cycle.protocols import protocol_event, protocol_refuse_unplanned, protocol_route
from agents.reasoning.cycle.stack import Stack
from agents.reasoning.cycle.subscriptions import subscription_informs, subscription_message
from agents.reasoning.cycle.told import plan_told
from agents.reasoning.events.models import AgentEvent, EventKind
from agents.reasoning.expressions import ExpressionFailed
from agents.reasoning.intentions.models import Intention, IntentionStatus
from agents.reasoning.models import Goal, GoalStatus
from agents.reasoning.plans.triggers import TRIGGER_ARGUMENTS, TriggerKind

logger = logging.getLogger("agents.reasoning")

def bind(names: tuple[str, ...] | list[str], values: list[Any], kind: str) -> dict[str, Any] | None:
    """A plan's (or a wait's) names bound to an event's values, or None when they cannot be (Jason's
    unification of the trigger): a goal's plan binds exactly its arguments; an event of fixed shape binds
    a prefix of its values."""
    if TRIGGER_ARGUMENTS.get(kind, ()) is None and len(names) != len(values):
        return None
    if len(names) > len(values):
        return None
    return {name: value for name, value in zip(names, values, strict=False) if name != "_"}


class Cycle(Stack):
    """The cycle's semantics: events, options, intentions and their frames, failure and recovery."""

    # ----------------------------------------------------------------- the cycle
    def run(self, step: Any) -> None:
        """The cycle; ``step`` takes one step of an intention (``cycle.steps.step``)."""
        self.expire_waits()
        if self.atomic() is None:
            event = self.policy.select_event(self.mind.events)
            if event is not None:
                self.take(event)
        atomic = self.atomic()
        runnable = [atomic] if atomic else [i for i in self.mind.intentions if i.status == IntentionStatus.RUNNING]
        for intention in self.policy.select_intentions(runnable):
            if intention.status == IntentionStatus.RUNNING:
                step(self, intention)
                intention.last_cycle = self.number
                self.changed(intention)

    def atomic(self) -> Intention | None:
        for intention in self.mind.intentions:
            if intention.status == IntentionStatus.RUNNING and any(f.get("atomic") for f in intention.stack):
                return intention
        return None

    # ----------------------------------------------------------------- events
    def take(self, event: AgentEvent) -> None:
        mind = self.mind
        mind.consumed.append(event.pk)
        trigger = event_trigger(event, mind)
        self.trace["event"] = {"id": event.pk, "kind": event.kind, "name": trigger.name if trigger else "",
                               "source": {"kind": event.source, "id": event.source_id, "name": event.source_name}}
        if event.kind == EventKind.PROTOCOL:
            trigger = protocol_event(self, event)  # None: the protocol took it; else ^protocol:all_responses
            if trigger is None:
                return
        elif trigger is None or (event.kind == EventKind.MESSAGE
                                 and (protocol_route(self, event) or subscription_message(self, event)
                                      or plan_told(self, event))):
            return
        self.resume_waiters(event, trigger)
        if event.kind in (EventKind.BELIEF_ADDED, EventKind.BELIEF_CHANGED, EventKind.BELIEF_REMOVED):
            self.check_maintain(trigger.name)
            subscription_informs(self, event)
        goal = None
        if event.kind == EventKind.GOAL_ADDED:
            goal = mind.goals.get(str(event.args.get("goal") or ""))
            if not self.adopt(goal, event):
                return
        applicable = self.options(trigger, record=True)
        choice = self.choose(trigger, applicable, root=True)
        if choice is None:
            if trigger.kind == TriggerKind.GOAL_ADDED and not self.trace["options"]:
                # Jason discards an external goal no plan is relevant to. MABOS keeps it pending: adding or
                # enabling a plan for it posts it again (goals_waiting_retry).
                self.trace["choice"] = {"why": f"no plan is relevant to +!{trigger.name}: the goal waits for one"}
            elif trigger.kind == TriggerKind.GOAL_ADDED:
                self.no_applicable_root(trigger, goal, event)
            elif trigger.kind == TriggerKind.MESSAGE:
                protocol_refuse_unplanned(self, event)
            elif trigger.kind == TriggerKind.PROTOCOL:
                self.trace["choice"] = {"why": "no applicable plan for ^protocol:all_responses: the run waits for "
                                               "a decision until its deadline"}
            return
        candidate, bindings = choice
        if goal is not None:
            self.set_goal(goal, GoalStatus.ACTIVE)
        explained = self.explained or {}
        self.trace["choice"] = {**candidate.ref(), "why": explained.get("why") or self.why(candidate, applicable),
                                **{name: explained[name] for name in ("policy", "scores") if name in explained}}
        self.start(candidate, bindings, trigger, goal=goal, event=event)

    def adopt(self, goal: Goal | None, event: AgentEvent) -> bool:
        """Whether a goal_added event is still to be pursued; a maintain goal that holds is achieved."""
        if goal is None:
            if event.args.get("goal"):
                self.trace["choice"] = {"why": "the goal no longer exists"}
                return False
            return True  # posted without a goal row (a plan's or an operator's event): pursue the name
        if goal.status not in PURSUABLE:
            self.trace["choice"] = {"why": f"the goal is {goal.status}: not pursued"}
            return False
        if goal.kind == "maintain" and goal.condition and self.holds(goal.condition) is True:
            self.set_goal(goal, GoalStatus.ACHIEVED)
            self.trace["choice"] = {"why": f"maintain goal: {goal.condition} already holds"}
            return False
        return True

    def resume_waiters(self, event: AgentEvent, trigger: EventTrigger) -> None:
        for intention in self.mind.intentions:
            wait = intention.wait or {}
            if intention.status != IntentionStatus.WAITING:
                continue
            if wait.get("action"):
                if event.kind == EventKind.ACTION_RESULT and str(event.args.get("request")) == wait["action"]:
                    self.resume_action(intention, event)
                continue
            if wait.get("approval"):
                if event.kind == EventKind.APPROVAL and str(event.args.get("request")) == wait["approval"]:
                    self.resume_approval(intention, event)
                continue
            pattern = wait.get("event")
            if pattern and matches(pattern, trigger):
                names = wait.get("args") or []
                bound = bind(names, trigger.values, pattern["kind"]) or {}
                self.resume(intention, bound, f"resumed by {event.kind} {trigger.name}")

    def resume_action(self, intention: Intention, event: AgentEvent) -> None:
        wait = intention.wait or {}
        error = event.args.get("error")
        if error:
            self.resume(intention, {}, "", advance=False)
            frame = intention.stack[-1]
            self.fail(intention, StepFailed("action_failed", f"{wait.get('name')}: {error} "
                                                             f"{event.args.get('message') or ''}".strip()),
                      frame, frames.path_text(frame["pc"]))
            return
        bound = {wait["bind"]: event.args.get("result")} if wait.get("bind") else {}
        self.resume(intention, bound, f"action {wait.get('name')} returned")

    def resume_approval(self, intention: Intention, event: AgentEvent) -> None:
        """A person's decision on the gate the intention waits at: approved, it continues (``bind`` gets the
        comment); rejected or expired, the step fails (``rejected``, ``approval_expired``)."""
        wait = intention.wait or {}
        decision, note = event.args.get("decision"), event.args.get("note") or ""
        if decision == "approved":
            bound = {wait["bind"]: note} if wait.get("bind") else {}
            self.resume(intention, bound, f"approval {wait.get('name')} approved by {event.source_name}")
            return
        self.resume(intention, {}, "", advance=False)
        frame = intention.stack[-1]
        failure = (StepFailed("rejected", f"{wait.get('name')}: rejected by {event.source_name}"
                                          + (f": {note}" if note else ""))
                   if decision == "rejected" else StepFailed("approval_expired", f"{wait.get('name')}: nobody decided"))
        self.note(intention, frame, "ask_approval", "failed", f"{failure.error}: {failure.message}")
        self.fail(intention, failure, frame, frames.path_text(frame["pc"]))

    def resume(self, intention: Intention, bound: dict[str, Any], detail: str, *, advance: bool = True) -> None:
        intention.status, intention.wait, intention.wait_until = IntentionStatus.RUNNING, None, None
        frame = intention.stack[-1]
        frame["bindings"].update(bound)
        if advance:
            candidate = self.library.version(frame["version"])
            frame["pc"] = frames.advance(candidate.body, frame["pc"]) if candidate else [10**6]
            self.note(intention, frame, "wait", "resumed", detail)
        self.changed(intention)

    def expire_waits(self) -> None:
        for intention in self.mind.intentions:
            if intention.status != IntentionStatus.WAITING or intention.wait_until is None:
                continue
            if intention.wait_until > self.now:
                continue
            wait = intention.wait or {}
            if wait.get("on_timeout") == "continue":
                self.resume(intention, dict.fromkeys(wait.get("args") or []), "timed out: continues")
                continue
            self.resume(intention, {}, "", advance=False)
            frame = intention.stack[-1]
            failure = (StepFailed("approval_expired", f"{wait.get('name')}: nobody decided before the deadline")
                       if wait.get("approval") else StepFailed("wait_timeout", "the wait timed out"))
            if wait.get("approval"):
                self.note(intention, frame, "ask_approval", "failed", f"{failure.error}: {failure.message}")
            self.fail(intention, failure, frame, frames.path_text(frame["pc"]))

    # ----------------------------------------------------------------- options
    def options(self, trigger: EventTrigger, *, record: bool = False,
                values: list[Any] | None = None) -> list[tuple[Candidate, dict[str, Any]]]:
        """Jason's applicable plans for a trigger, in source order, each with its bindings."""
        agent = self.mind.agent
        values = trigger.values if values is None else values
        applicable = []
        for candidate in self.library.relevant(organization_id=agent.organization_id, role_id=agent.role_id,
                                               kind=trigger.kind, name=trigger.name, ontology=trigger.ontology,
                                               protocol=trigger.protocol, agent_id=agent.pk):
            option: dict[str, Any] = {**candidate.ref(), "context": candidate.context, "held": None, "reason": ""}
            bindings = bind(candidate.args, values, trigger.kind)
            if bindings is None:
                option["reason"] = f"its trigger binds {len(candidate.args)} argument(s), the event has {len(values)}"
            else:
                bindings.update(trigger.extra)
                held, reason = self.context(candidate, bindings)
                option["held"], option["reason"] = held, reason
                if held:
                    applicable.append((candidate, bindings))
            if record:
                self.trace["options"].append(option)
        return applicable

    def context(self, candidate: Candidate, bindings: dict[str, Any]) -> tuple[bool | None, str]:
        compiled = candidate.compiled_context
        if compiled is None:
            return True, "no context"
        try:
            return bool(compiled.evaluate(beliefs=self.mind.beliefs, bindings=bindings, now=self.now)), ""
        except ExpressionFailed as failed:  # it does not hold; the reason says it could not be computed
            return False, failed.message

    @staticmethod
    def why(candidate: Candidate, applicable: list[tuple[Candidate, dict[str, Any]]]) -> str:
        held = f"{candidate.context} held" if candidate.context else "it has no context"
        others = len(applicable) - 1
        more = f"; {others} other applicable plan(s) come later in source order" if others > 0 else ""
        return f"first applicable plan in source order: {held}{more}"
