"""The intention's stack as the cycle moves it: frames pushed, popped, finished, failed and recovered.

A frame is one plan instance (Jason's ``IntendedMeans``): its plan version, trigger, bindings and program
counter (frames.py). ``Stack`` holds what happens to frames, Jason's ``-!g`` handling included; the
interpreter (``Cycle``) decides when. The end of every frame is drafted as a plan outcome
(``learned.outcomes_draft``: a pop is a success, a frame cut by a failure or a recovery a failure; a dropped
intention drafts nothing), which the batch hands to learning.
"""

from __future__ import annotations

import uuid
from typing import Any

from agents.common.limits import INTENTION_MAX_DEPTH, INTENTION_STACK_MAX_CHARS
from agents.common.validation import json_size
from agents.reasoning.cycle import frames
from agents.reasoning.cycle.bookkeeping import MindBook
from agents.reasoning.cycle.errors import StepFailed
from agents.reasoning.cycle.events import EventTrigger
from agents.reasoning.cycle.learned import context_of, outcomes_draft
from agents.reasoning.cycle.library import Candidate
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.intentions.models import Intention, IntentionStatus
from agents.reasoning.models import Goal, GoalStatus
from agents.reasoning.plans.triggers import TriggerKind


class Stack(MindBook):
    """Frames and intentions: what the interpreter's steps and failures do to an intention's stack."""

    def frame(self, candidate: Candidate | None, bindings: dict[str, Any], trigger: dict[str, Any], *,
              goal: Any = None, goal_args: list[Any] | None = None, reply: dict[str, Any] | None = None,
              recovers: int | None = None, error: dict[str, Any] | None = None) -> dict[str, Any]:
        learned = None
        if candidate is not None:
            self.mind.used_versions.add(candidate.version_id)
            learned = {**context_of(self, candidate, bindings), "started": self.now.isoformat()}
        return {"plan": str(candidate.plan_id) if candidate else None,
                "version": str(candidate.version_id) if candidate else None,
                "number": candidate.version if candidate else None,
                "label": candidate.label if candidate else None,
                "trigger": trigger, "goal": str(goal) if goal else None, "goal_args": goal_args or [],
                "bindings": bindings, "pc": [0], "atomic": bool(candidate and candidate.atomic),
                "recovers": recovers, "error": error, "goals": [], "reply": reply, "learned": learned}

    def start(self, candidate: Candidate, bindings: dict[str, Any], trigger: EventTrigger, *,
              goal: Goal | None, event: AgentEvent) -> Intention:
        frame = self.frame(candidate, bindings, {"kind": trigger.kind, "name": trigger.name},
                           goal=goal.pk if goal else None, goal_args=trigger.values, reply=trigger.reply)
        if trigger.extra.get("deciding"):  # ^protocol:all_responses: the plan decides on that run
            frame["deciding"] = trigger.extra["deciding"]
        intention = self.new_intention([frame], trigger, goal, event)
        self.trace["intention"] = str(intention.id)
        return intention

    def new_intention(self, stack: list[dict[str, Any]], trigger: EventTrigger, goal: Goal | None,
                      event: AgentEvent | None) -> Intention:
        intention = Intention(id=uuid.uuid4(), agent_id=self.mind.agent.pk, status=IntentionStatus.RUNNING,
                              stack=stack, goal_id=goal.pk if goal else None, trigger_kind=trigger.kind,
                              trigger_name=trigger.name[:200], event_id=event.pk if event else None,
                              created_at=self.now, updated_at=self.now)
        self.mind.intentions.append(intention)
        self.mind.new_intentions.add(intention.id)
        return intention

    def no_applicable_root(self, trigger: EventTrigger, goal: Goal | None, event: AgentEvent) -> None:
        """An adopted goal no plan can pursue: Jason's ``-!g`` with ``error(no_applicable)``."""
        frame = self.frame(None, {}, {"kind": trigger.kind, "name": trigger.name},
                           goal=goal.pk if goal else None, goal_args=trigger.values)
        intention = self.new_intention([frame], trigger, goal, event)
        self.fail(intention, StepFailed("no_applicable", f"no applicable plan for +!{trigger.name}"), frame, "")
        if intention.status == IntentionStatus.FAILED:
            # Nothing ran and nothing recovers it: no intention to keep, only the goal's failure and the trace.
            self.mind.intentions.remove(intention)
            self.mind.new_intentions.discard(intention.id)
            self.trace["choice"] = {"why": "no applicable plan: the goal failed (no_applicable)"}
        else:
            self.trace["choice"] = {"why": "no applicable plan: its failure plan runs (no_applicable)"}

    def push(self, intention: Intention, frame: dict[str, Any]) -> None:
        if len(intention.stack) >= INTENTION_MAX_DEPTH:
            raise StepFailed("max_depth", f"the intention's stack reached {INTENTION_MAX_DEPTH} frames")
        # The stack's CHECK (intention_stack_size) would refuse the batch's write and roll back every agent in
        # it, again at each retry: refuse the frame here, so only this intention fails.
        size = json_size([*intention.stack, frame])
        if size > INTENTION_STACK_MAX_CHARS:
            raise StepFailed("stack_too_large", f"the intention's stack would take {size} characters stored; "
                                                f"the limit is {INTENTION_STACK_MAX_CHARS}")
        intention.stack.append(frame)

    def settle(self, intention: Intention) -> None:
        """Pop every finished frame, advancing the frame below past the step that pushed it."""
        while intention.stack and intention.status in (IntentionStatus.RUNNING, IntentionStatus.WAITING):
            top = intention.stack[-1]
            candidate = self.library.version(top["version"]) if top["version"] else None
            if top["version"] is None or candidate is None or not frames.finished(candidate.body, top["pc"]):
                if top["version"] is not None and candidate is None:
                    self.fail(intention, StepFailed("internal", "the plan version is gone"), top, "")
                return
            self.pop(intention)
        if not intention.stack and intention.status == IntentionStatus.RUNNING:
            self.finish(intention, IntentionStatus.FAILED if intention.error else IntentionStatus.ACHIEVED)

    def pop(self, intention: Intention) -> None:
        frame = intention.stack.pop()
        outcomes_draft(self, intention, frame, success=True)
        if not intention.stack:
            self._roots[intention.id] = frame
        if frame["recovers"] is not None:
            if frame["recovers"] == 0:  # the intention's own goal failed; its recovery ran: it ends failed
                intention.error = {**(frame.get("error") or {}), "recovered": True}
            failed = intention.stack[frame["recovers"]:]
            del intention.stack[frame["recovers"]:]
            if not intention.stack:
                self._roots[intention.id] = failed[0]
            for below in failed:
                self.frame_goals(below, GoalStatus.FAILED)
                outcomes_draft(self, intention, below, success=False, error=(frame.get("error") or {}).get("error", ""))
        else:
            self.frame_goals(frame, GoalStatus.ACHIEVED)
        if not intention.stack:
            return
        parent = intention.stack[-1]
        candidate = self.library.version(parent["version"]) if parent["version"] else None
        if candidate is None:
            return
        step = frames.step_at(candidate.body, parent["pc"])
        if frame["trigger"]["kind"] == TriggerKind.TEST_GOAL and step and step.get("bind"):
            parent["bindings"][step["bind"]] = self.mind.beliefs.get(frame["trigger"]["name"])
        parent["pc"] = frames.advance(candidate.body, parent["pc"])

    def finish(self, intention: Intention, status: str) -> None:
        """End ``intention``; a finished one keeps the frame it ended on, so its history names the plan."""
        if status == IntentionStatus.FAILED:
            for frame in reversed(intention.stack):
                outcomes_draft(self, intention, frame, success=False, error=(intention.error or {}).get("error", ""))
        if not intention.stack and intention.id in self._roots:
            intention.stack = [self._roots.pop(intention.id)]
        if status != IntentionStatus.ACHIEVED:
            for frame in intention.stack:
                self.frame_goals(frame, GoalStatus.FAILED if status == IntentionStatus.FAILED else GoalStatus.DROPPED)
        intention.status, intention.finished_at = status, self.now
        intention.wait, intention.wait_until = None, None
        self.changed(intention)

    def fail(self, intention: Intention, failure: StepFailed, frame: dict[str, Any], path: str) -> None:
        """Hand the failure to the nearest goal with an applicable failure plan (``-!g``), or fail."""
        error = {"error": failure.error, "message": failure.message, "plan": frame.get("label"), "step": path}
        index = len(intention.stack) - 1
        while index >= 0:
            below = intention.stack[index]
            if below["recovers"] is not None:  # failing inside a recovery plan: cascade below what it recovers
                index = below["recovers"] - 1
                continue
            if below["trigger"]["kind"] == TriggerKind.GOAL_ADDED and self.recover(intention, index, error):
                return
            index -= 1
        intention.error = error
        self.finish(intention, IntentionStatus.FAILED)

    def recover(self, intention: Intention, index: int, error: dict[str, Any]) -> bool:
        goal_frame = intention.stack[index]
        name = goal_frame["trigger"]["name"]
        trigger = EventTrigger(kind=TriggerKind.GOAL_FAILED, name=name, values=list(goal_frame["goal_args"]))
        choice = self.choose(trigger, self.options(trigger))
        if choice is None:
            return False
        candidate, bindings = choice
        for above in intention.stack[index + 1:]:
            self.frame_goals(above, GoalStatus.FAILED)
            outcomes_draft(self, intention, above, success=False, error=error["error"])
        del intention.stack[index + 1:]
        recovery = self.frame(candidate, bindings, {"kind": TriggerKind.GOAL_FAILED, "name": name},
                              goal_args=goal_frame["goal_args"], recovers=index, error=error,
                              reply=goal_frame.get("reply"))
        intention.stack.append(recovery)
        intention.status, intention.wait, intention.wait_until = IntentionStatus.RUNNING, None, None
        self.note(intention, goal_frame, "fail", "recovering",
                  f"{error['error']}: -!{name} handled by plan `{candidate.label}`")
        self.changed(intention)
        return True
