"""A crowd that keeps delivery and reasoning workers busy at once, and the counts that show work done twice.

Each of ``size`` internal agents (``w0`` ...) adopts ``!greet(<peer>, i)``: it sends a ``request`` to the next
agent round the ring; every request is answered with an ``inform`` to its sender, every inform with a ``confirm``
back, and each handled message adds one to a belief of its kind (``requests``, ``informs``, ``confirms``). So every
agent receives three messages, each a ``message`` event it reasons over, and each of its three counters must end
at exactly 1. The mail is sent by the reasoning workers' batches as they commit, three legs one after the other,
so the delivery workers' wake-ups arrive spread over the run rather than as one batch.

Built in bulk like ``tests.support.crowd`` (the agents and their runtime rows in two INSERTs, the goals in one,
their events through ``agent_events_post``). ``scale_counts`` reads the end state from the database; the hand-overs
and cycles each worker reports are read from its log by ``handed_over`` and ``cycles_run``.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path
from typing import Any

from django.db.models import Count

from agents.agent.models import Agent
from agents.models import AgentEvent, AgentRuntime, Belief, CycleTrace, Delivery, Goal, Intention, Message
from agents.reasoning.events.models import EventKind
from agents.reasoning.events.services import NewEvent, agent_events_post
from tests.support.actors import SYSTEM
from tests.support.crowd import Crowd, crowd_create

PLANS = """\
@greet +!greet(Peer, N) <- .send(Peer, request, {"ping": N}).
@answer ^message:request(Content, Sender) <- -+requests(belief("requests", 0) + 1);
    .send(Sender, inform, {"pong": Content["ping"]}).
@thank ^message:inform(Content, Sender) <- -+informs(belief("informs", 0) + 1);
    .send(Sender, confirm, {"thanks": Content["pong"]}).
@count ^message:confirm(Content, Sender) <- -+confirms(belief("confirms", 0) + 1).
"""
#: What each agent sends, one of each: its request, the inform answering the request it received, the confirm
#: answering the inform it received.
PERFORMATIVES = ("request", "inform", "confirm")
COUNTERS = ("requests", "informs", "confirms")
MESSAGES_PER_AGENT = len(PERFORMATIVES)


def scale_crowd_create(size: int) -> Crowd:
    """``size`` idle agents with the plans above; ``scale_goals_post`` makes them due."""
    return crowd_create(size, goals=False, plan=PLANS)


def scale_goals_post(crowd: Crowd) -> None:
    """Every agent adopts ``!greet(<the next agent's slug>, i)``: one goal and one ``goal_added`` event each."""
    by_slug = {agent.slug: agent for agent in Agent.objects.filter(pk__in=crowd.agent_ids)}
    size = len(by_slug)
    goals = Goal.objects.bulk_create([Goal(agent=by_slug[f"w{i}"], name="greet", args=[f"w{(i + 1) % size}", i])
                                      for i in range(size)])
    agent_events_post(events=[NewEvent(agent=goal.agent, kind=EventKind.GOAL_ADDED, args={
        "goal": str(goal.pk), "name": goal.name, "kind": goal.kind, "priority": goal.priority, "args": goal.args})
        for goal in goals], by=SYSTEM)
    crowd.goal_ids.extend(goal.pk for goal in goals)


def scale_settled(crowd: Crowd) -> bool:
    """Every message sent, every delivery finished, every event taken and every intention ended."""
    agents = crowd.agent_ids
    # At least: a run that sends more than it should still comes to rest, and scale_counts says what was doubled.
    return (Message.objects.filter(sender_agent_id__in=agents).count() >= crowd.size * MESSAGES_PER_AGENT
            and not Delivery.objects.filter(recipient_id__in=agents).exclude(status="acked").exists()
            and not AgentEvent.objects.filter(agent_id__in=agents, consumed_at__isnull=True).exists()
            and not Intention.objects.filter(agent_id__in=agents, status__in=["running", "waiting"]).exists())


def scale_progress(crowd: Crowd) -> dict[str, int]:
    """Where a run stands, for the message of a deadline that passed."""
    agents = crowd.agent_ids
    return {"messages": Message.objects.filter(sender_agent_id__in=agents).count(),
            "deliveries": dict(Counter(Delivery.objects.filter(recipient_id__in=agents)
                                       .values_list("status", flat=True))),
            "events_pending": AgentEvent.objects.filter(agent_id__in=agents, consumed_at__isnull=True).count(),
            "cycles": CycleTrace.objects.filter(agent_id__in=agents).count()}


def scale_counts(crowd: Crowd) -> dict[str, Any]:
    """The end state, as counts that a message or an event handled twice would change (``scale_expected``)."""
    agents = crowd.agent_ids
    deliveries = list(Delivery.objects.filter(recipient_id__in=agents).values_list("status", "attempts"))
    events = dict(AgentEvent.objects.filter(agent_id__in=agents).values_list("pk", "kind"))
    # A trace row names the event its cycle took: an event taken twice is two rows naming it.
    taken = Counter(event["id"] for event in CycleTrace.objects.filter(agent_id__in=agents, event__isnull=False)
                    .values_list("event", flat=True))
    # An intention names the event that started it: a message reasoned over twice starts two.
    started = Counter(Intention.objects.filter(agent_id__in=agents).values_list("event_id", flat=True))
    message_events = [pk for pk, kind in events.items() if kind == EventKind.MESSAGE]
    counters = Counter((key, value) for key, value in Belief.objects.filter(
        agent_id__in=agents, key__in=COUNTERS).values_list("key", "value"))
    cycles = dict(AgentRuntime.objects.filter(agent_id__in=agents).values_list("agent_id", "cycle_count"))
    traced = dict(CycleTrace.objects.filter(agent_id__in=agents).values("agent_id").annotate(n=Count("id"))
                  .values_list("agent_id", "n"))
    return {
        "messages": Counter(Message.objects.filter(sender_agent_id__in=agents).values_list("performative", flat=True)),
        "deliveries": Counter(status for status, _ in deliveries),
        "delivery_claims": Counter(attempts for _, attempts in deliveries),
        "events": Counter(events.values()),
        "events_taken_once": sum(1 for pk in events if taken[pk] == 1),
        "events_taken_twice": sum(1 for n in taken.values() if n > 1),
        "message_events_starting_one_intention": sum(1 for pk in message_events if started[pk] == 1),
        "intentions": Counter(Intention.objects.filter(agent_id__in=agents).values_list("status", flat=True)),
        "counters": counters,
        "goals": Counter(Goal.objects.filter(pk__in=crowd.goal_ids).values_list("status", flat=True)),
        "traces_doubled": CycleTrace.objects.filter(agent_id__in=agents).values("agent_id", "cycle")
        .annotate(n=Count("id")).filter(n__gt=1).count(),
        "traces_match_cycles": traced == cycles,
    }


def scale_expected(crowd: Crowd) -> dict[str, Any]:
    """``scale_counts`` when every message was delivered once and every event reasoned over once."""
    n, m = crowd.size, MESSAGES_PER_AGENT
    return {
        "messages": Counter({performative: n for performative in PERFORMATIVES}),
        "deliveries": Counter({"acked": m * n}),
        "delivery_claims": Counter({1: m * n}),
        # The goal, the messages, and each counter's first value (belief_added).
        "events": Counter({EventKind.GOAL_ADDED: n, EventKind.MESSAGE: m * n, EventKind.BELIEF_ADDED: m * n}),
        "events_taken_once": (1 + 2 * m) * n,
        "events_taken_twice": 0,
        "message_events_starting_one_intention": m * n,
        "intentions": Counter({"achieved": (1 + m) * n}),
        "counters": Counter({(key, 1): n for key in COUNTERS}),
        "goals": Counter({"achieved": n}),
        "traces_doubled": 0,
        "traces_match_cycles": True,
    }


_HANDED_OVER = re.compile(r"handed over (\d+) deliveries")
_SWEPT = re.compile(r"delivery sweep: (\{.*\})")
_CYCLES = re.compile(r"ran (\d+) agent cycles")


def handed_over(log: Path) -> int:
    """Deliveries a delivery worker reports having handed over: its woken tasks' and its sweeps' (INFO lines of
    ``agents.tasks``). The hand-over counts only rows it acked, so the sum over every worker exceeds the number
    of deliveries exactly when one was handed over twice."""
    text = log.read_text(errors="replace")
    return (sum(int(n) for n in _HANDED_OVER.findall(text))
            + sum(ast.literal_eval(figures).get("dispatched", 0) for figures in _SWEPT.findall(text)))


def cycles_run(log: Path) -> int:
    """Agent cycles a reasoning worker reports having committed (its ``agents.reason_due`` tasks)."""
    return sum(int(n) for n in _CYCLES.findall(log.read_text(errors="replace")))
