"""A crowd of protocol runs: ~1,000 initiators, each with one goal whose plan starts one run, and a pool of
participants whose plans answer, refuse, stay silent or agree and never finish; and what must hold at the end.

Built in bulk like ``tests.support.crowd`` (agents and runtime rows in two INSERTs, the participants'
``mode`` beliefs in one, the goals in one, their ``goal_added`` events through ``agent_events_post``), so
every initiator is due exactly as after ``goal_create``. The fault test (tests/agents/protocols/test_faults.py)
runs it on real workers, then checks ``protocol_crowd_settled`` and compares ``protocol_crowd_counts`` with
``protocol_crowd_expected``; ``deadline_lateness`` says how late each deadline fired.

**The mix.** Every initiator's goal names its protocol, the outcome its participants will give and the
timeouts its plan uses, e.g. ``!request_yes_120_120(P)``: one plan per (protocol, timeouts) with those
timeouts in the ``start_protocol`` step (the step takes constants). A participant's behaviour is its belief
``mode``, read by the context of every participant plan:

- ``yes``: agree, ``.action(log, ...)``, inform (Request, Query); propose, then on the accept an action and
  an inform (Contract-Net); agree, an action, an inform and a closing failure (Subscribe: its run ends
  ``failed``, reason ``done``);
- ``no``: refuse; ``mute``: takes the message and never answers (the response deadline fires);
- ``stall``: agree (propose) and never inform (the result deadline fires).

Runs whose participants answer have long deadlines (``LONG``, never reached); runs that wait for a silent
or a stalling participant have short ones spread over ``SHORT``, so deadlines keep firing all along the run,
kills and the PostgreSQL restart included.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from agents.agent.models import Agent, AgentKind
from agents.models import AgentEvent, AgentRuntime, Belief, CycleTrace, Goal, Intention, Message, ProtocolRun
from agents.protocols.transitions import TERMINAL
from agents.reasoning.actions.models import ActionRequest
from agents.reasoning.events.models import EventKind
from agents.reasoning.events.services import NewEvent, agent_events_post
from tests.support.actors import SYSTEM
from tests.support.reasoning import World

#: Seconds of a deadline that must not fire (its participant answers long before).
LONG = 120
#: The short deadlines (seconds), given round-robin to the runs that wait for a silent or stalling participant.
SHORT = (3, 6, 9, 12, 15, 18, 21, 24, 27, 30)

_IS = 'belief("mode", "") == "{}"'
_LOG = '.action(log, {{"message": "{}", "data": 1}}, Logged)'
PARTICIPANT_PLANS = f"""
^message:request(C, Sender) : {_IS.format("yes")} <- .send(Sender, agree, null); {_LOG.format("request")};
    .send(Sender, inform, {{"done": C}}).
^message:request(C, Sender) : {_IS.format("no")} <- .send(Sender, refuse, {{"reason": "busy"}}).
^message:request(C, Sender) : {_IS.format("mute")} <- +heard(true).
^message:request(C, Sender) : {_IS.format("stall")} <- .send(Sender, agree, null).
^message:query-ref(C, Sender) : {_IS.format("yes")} <- .send(Sender, agree, null); {_LOG.format("query")};
    .send(Sender, inform, {{"price": 10}}).
^message:query-ref(C, Sender) : {_IS.format("no")} <- .send(Sender, refuse, {{"reason": "busy"}}).
^message:query-ref(C, Sender) : {_IS.format("mute")} <- +heard(true).
^message:query-ref(C, Sender) : {_IS.format("stall")} <- .send(Sender, agree, null).
^message:cfp(C, Sender) : {_IS.format("yes")} or {_IS.format("stall")} <- .send(Sender, propose, 10).
^message:cfp(C, Sender) : {_IS.format("no")} <- .send(Sender, refuse, {{"reason": "busy"}}).
^message:cfp(C, Sender) : {_IS.format("mute")} <- +heard(true).
^message:accept-proposal(C, Sender) : {_IS.format("yes")} <- {_LOG.format("cnet")}; .send(Sender, inform, {{"done": C}}).
^message:accept-proposal(C, Sender) : {_IS.format("stall")} <- +heard(true).
^message:reject-proposal(C, Sender) <- +lost(true).
^message:subscribe(C, Sender) : {_IS.format("yes")} <- .send(Sender, agree, null); {_LOG.format("subscribe")};
    .send(Sender, inform, {{"belief": "price", "value": 10}}); .send(Sender, failure, {{"reason": "done"}}).
^message:subscribe(C, Sender) : {_IS.format("no")} <- .send(Sender, refuse, {{"reason": "busy"}}).
^message:subscribe(C, Sender) : {_IS.format("mute")} <- +heard(true).
^message:inform(C, Sender)[protocol("fipa-subscribe")] <- +seen(C).
^message:failure(C, Sender)[protocol("fipa-subscribe")] <- +ended(C).
+!award(P) <- .start_protocol(accept-proposal, P[0]["participant"], "go", Done); +done(Done).
"""

_BIDDERS = "B1, B2, B3, B4, B5"
_OPENING = {
    "request": "+!{goal}(P) <- .start_protocol(request, P, {{\"n\": 1}}, R, {resp}, {res}); +got(R).",
    "query": "+!{goal}(P) <- .start_protocol(query-ref, P, \"price\", R, {resp}, {res}); +got(R).",
    "cnet": (f"+!{{goal}}({_BIDDERS}) <- .start_protocol(cfp, [{_BIDDERS}], \"job\", Bids, {{resp}}, {{res}});"
             " !award(Bids[\"proposals\"])."),
    "subscribe": "+!{goal}(P) <- .start_protocol(subscribe, P, {{\"belief\": \"price\"}}, A, {resp}, {res}); +got(A).",
}
_RECOVERY = {"cnet": f"-!{{goal}}({_BIDDERS}) <- +lost(true).", "other": "-!{goal}(P) <- +lost(true)."}

#: (protocol, outcome) -> (how many runs, the participants' modes, the run's final state, which deadline fires).
#: Contract-Net: five bidders, in this order; the plan accepts the first proposal (``+!award``).
MIX: dict[tuple[str, str], tuple[int, tuple[str, ...], str, str | None]] = {
    ("request", "yes"): (130, ("yes",), "done", None),
    ("request", "no"): (40, ("no",), "refused", None),
    ("request", "mute"): (40, ("mute",), "timeout", "response"),
    ("request", "stall"): (40, ("stall",), "timeout", "result"),
    ("query", "yes"): (100, ("yes",), "done", None),
    ("query", "no"): (35, ("no",), "refused", None),
    ("query", "mute"): (35, ("mute",), "timeout", "response"),
    ("query", "stall"): (30, ("stall",), "timeout", "result"),
    ("cnet", "yes"): (110, ("yes", "no", "yes", "no", "yes"), "done", None),
    ("cnet", "no"): (30, ("no",) * 5, "failed", None),
    ("cnet", "mute"): (30, ("mute", "no", "mute", "no", "mute"), "failed", "response"),
    ("cnet", "stall"): (30, ("stall", "no", "yes", "no", "no"), "timeout", "result"),
    ("subscribe", "yes"): (250, ("yes",), "failed", None),
    ("subscribe", "no"): (50, ("no",), "refused", None),
    ("subscribe", "mute"): (50, ("mute",), "timeout", "response"),
}
PROTOCOL_OF = {"request": "fipa-request", "query": "fipa-query", "cnet": "fipa-contract-net",
               "subscribe": "fipa-subscribe"}
#: Participants of each mode: every run takes the next ones round-robin.
POOLS = {"yes": 100, "no": 40, "mute": 40, "stall": 30}


@dataclass
class ProtocolCrowd:
    world: World
    initiator_ids: list[Any]
    participant_ids: list[Any]
    goal_ids: list[Any]
    #: initiator id -> (protocol, outcome) of its run.
    kinds: dict[Any, tuple[str, str]] = field(default_factory=dict)

    @property
    def agent_ids(self) -> list[Any]:
        return self.initiator_ids + self.participant_ids

    @property
    def size(self) -> int:
        return len(self.initiator_ids)


def _timeouts(outcome: str, deadline: str | None, short: int) -> tuple[int, int]:
    if deadline == "response":
        return short, LONG
    if deadline == "result":
        return LONG, short
    return LONG, LONG


def protocol_crowd_create(scale: float = 1.0) -> ProtocolCrowd:
    """The initiators of ``MIX`` (times ``scale``: 1.0 is 1,000 runs), each due with its goal, and the
    participants of ``POOLS`` with their ``mode`` belief, nothing of theirs pending."""
    world = World("boss")
    role = world.boss.role
    participants: dict[str, list[Agent]] = {}
    for mode, n in POOLS.items():
        participants[mode] = [Agent(organization=world.org, role=role, name=f"{mode} {i}", slug=f"{mode}{i}",
                                    kind=AgentKind.INTERNAL) for i in range(max(1, round(n * min(scale, 1.0))))]
    everyone = Agent.objects.bulk_create([agent for pool in participants.values() for agent in pool])
    Belief.objects.bulk_create([Belief(agent=agent, key="mode", value=mode, source="test")
                                for mode, pool in participants.items() for agent in pool])
    cycle = {mode: itertools.cycle(pool) for mode, pool in participants.items()}
    shorts = itertools.cycle(SHORT)
    world.plans(PARTICIPANT_PLANS)
    plans, planned, specs = [], set(), []
    for (protocol, outcome), (n, modes, _, deadline) in MIX.items():
        for _ in range(max(1, round(n * scale))):
            resp, res = _timeouts(outcome, deadline, next(shorts))
            goal = f"{protocol}_{resp}_{res}"
            if goal not in planned:
                planned.add(goal)
                plans.append(_OPENING[protocol].format(goal=goal, resp=resp, res=res))
                plans.append(_RECOVERY["cnet" if protocol == "cnet" else "other"].format(goal=goal))
            specs.append((protocol, outcome, goal, [next(cycle[mode]).slug for mode in modes]))
    for start in range(0, len(plans), 40):  # a text holds at most 50 plans
        world.plans("\n".join(plans[start:start + 40]))
    initiators = Agent.objects.bulk_create([
        Agent(organization=world.org, role=role, name=f"Initiator {i}", slug=f"i{i}", kind=AgentKind.INTERNAL)
        for i in range(len(specs))])
    AgentRuntime.objects.bulk_create([AgentRuntime(agent=agent) for agent in [*everyone, *initiators]])
    adopted = Goal.objects.bulk_create([Goal(agent=agent, name=goal, args=args)
                                        for agent, (_, _, goal, args) in zip(initiators, specs, strict=True)])
    agent_events_post(events=[NewEvent(agent=goal.agent, kind=EventKind.GOAL_ADDED, args={
        "goal": str(goal.pk), "name": goal.name, "kind": goal.kind, "priority": goal.priority, "args": goal.args})
        for goal in adopted], by=SYSTEM)
    return ProtocolCrowd(world=world, initiator_ids=[a.pk for a in initiators],
                         participant_ids=[a.pk for a in everyone], goal_ids=[g.pk for g in adopted],
                         kinds={a.pk: (p, o) for a, (p, o, _, _) in zip(initiators, specs, strict=True)})


def protocol_crowd_progress(crowd: ProtocolCrowd) -> int:
    """Cycles the crowd has committed so far."""
    return CycleTrace.objects.filter(agent_id__in=crowd.agent_ids).count()


def protocol_crowd_settled(crowd: ProtocolCrowd) -> bool:
    """Every run started and closed, every event taken, no intention still running or waiting, no action due."""
    runs = ProtocolRun.objects.filter(initiator_id__in=crowd.initiator_ids)
    return (runs.count() == crowd.size and not runs.exclude(state__in=TERMINAL).exists()
            and not AgentEvent.objects.filter(agent_id__in=crowd.agent_ids, consumed_at__isnull=True).exists()
            and not Intention.objects.filter(agent_id__in=crowd.agent_ids, status__in=["running", "waiting"]).exists()
            and not ActionRequest.objects.filter(agent_id__in=crowd.agent_ids, status__in=["pending", "running"])
            .exists())


def protocol_crowd_open(crowd: ProtocolCrowd) -> Counter:
    """What is not finished yet, for a failure message: runs per state, pending events, live intentions."""
    runs = Counter(ProtocolRun.objects.filter(initiator_id__in=crowd.initiator_ids).exclude(state__in=TERMINAL)
                   .values_list("state", flat=True))
    runs["missing"] = crowd.size - ProtocolRun.objects.filter(initiator_id__in=crowd.initiator_ids).count()
    runs["events_pending"] = AgentEvent.objects.filter(agent_id__in=crowd.agent_ids, consumed_at__isnull=True).count()
    runs["intentions_live"] = Intention.objects.filter(agent_id__in=crowd.agent_ids,
                                                       status__in=["running", "waiting"]).count()
    return +runs


def protocol_crowd_counts(crowd: ProtocolCrowd) -> dict[str, Any]:
    """What the end state says about lost and doubled work (compared with ``protocol_crowd_expected``)."""
    agents = crowd.agent_ids
    runs = list(ProtocolRun.objects.filter(initiator_id__in=crowd.initiator_ids)
                .values_list("initiator_id", "protocol", "state"))
    taken = Counter(event["id"] for event in CycleTrace.objects.filter(agent_id__in=agents, event__isnull=False)
                    .values_list("event", flat=True))
    keys = list(Message.objects.filter(sender_agent_id__in=agents).values_list("sender_agent_id", "idempotency_key"))
    requests = list(ActionRequest.objects.filter(agent_id__in=agents).values_list("pk", "idempotency_key", "status"))
    results = Counter(str(args.get("request")) for args in AgentEvent.objects.filter(
        agent_id__in=agents, kind=EventKind.ACTION_RESULT).values_list("args", flat=True))
    return {
        "runs": len(runs),
        "runs_per_initiator": Counter(Counter(initiator for initiator, _, _ in runs).values()),
        "states": Counter((crowd.kinds[initiator][0], crowd.kinds[initiator][1], state)
                          for initiator, _, state in runs),
        "protocols_as_planned": all(PROTOCOL_OF[crowd.kinds[initiator][0]] == protocol
                                    for initiator, protocol, _ in runs),
        "goal_events_taken_once": sum(1 for pk in AgentEvent.objects.filter(
            agent_id__in=crowd.initiator_ids, kind=EventKind.GOAL_ADDED).values_list("pk", flat=True)
            if taken[pk] == 1),
        "events_taken_twice": sum(1 for n in taken.values() if n > 1),
        "events_pending": AgentEvent.objects.filter(agent_id__in=agents, consumed_at__isnull=True).count(),
        "messages_doubled": len(keys) - len(set(keys)),
        "action_requests": len(requests),
        "action_keys_doubled": len(requests) - len({key for _, key, _ in requests}),
        "actions_succeeded": sum(1 for _, _, status in requests if status == "succeeded"),
        "action_results_once": sum(1 for pk, _, _ in requests if results[str(pk)] == 1),
        "traces_doubled": CycleTrace.objects.filter(agent_id__in=agents).values("agent_id", "cycle")
        .annotate(n=Count("id")).filter(n__gt=1).count(),
    }


def protocol_crowd_expected(crowd: ProtocolCrowd) -> dict[str, Any]:
    """The counts of ``protocol_crowd_counts`` when every run ended as its mix says, nothing lost or doubled."""
    kinds = Counter(crowd.kinds.values())
    actions = sum(n for (protocol, outcome), n in kinds.items() if outcome == "yes")
    return {
        "runs": crowd.size, "runs_per_initiator": Counter({1: crowd.size}),
        "states": Counter({(protocol, outcome, MIX[protocol, outcome][2]): n
                           for (protocol, outcome), n in kinds.items()}),
        "protocols_as_planned": True, "goal_events_taken_once": crowd.size, "events_taken_twice": 0,
        "events_pending": 0, "messages_doubled": 0, "action_requests": actions, "action_keys_doubled": 0,
        "actions_succeeded": actions, "action_results_once": actions, "traces_doubled": 0,
    }


def deadline_lateness(crowd: ProtocolCrowd) -> list[tuple[float, Any, str, Any]]:
    """For every run of the mix whose deadline must fire: (seconds between the deadline in force and the
    sweep that closed the run, the run, which deadline, the deadline), latest first."""
    late = []
    for pk, initiator, response_by, result_by, finished_at in ProtocolRun.objects.filter(
            initiator_id__in=crowd.initiator_ids).values_list("pk", "initiator_id", "response_by", "result_by",
                                                              "finished_at"):
        deadline = MIX[crowd.kinds[initiator]][3]
        if deadline is None:
            continue
        due = response_by if deadline == "response" else result_by
        late.append(((finished_at - due).total_seconds(), pk, deadline, due))
    return sorted(late, key=lambda item: item[0], reverse=True)


def action_attempts(crowd: ProtocolCrowd) -> Counter:
    """Requests per number of attempts: more than one only for a request whose worker died mid-call."""
    return Counter(ActionRequest.objects.filter(agent_id__in=crowd.agent_ids).values_list("attempts", flat=True))
