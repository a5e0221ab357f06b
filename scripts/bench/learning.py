#!/usr/bin/env python
"""`make bench` phase `learning`: what the selection policies choose on the real cycle (issue 16, part 7).

The environment of scripts/bench/learning_sim.py (five plans for ``+!trial(N)``, hidden success probabilities
0.30/0.40/0.50/0.55/0.65 in source order), put to the real thing: PostgreSQL, plans stored through
``plan_create``, goal events posted through ``agent_events_post``, the claim, interpreter and bulk writes of
``reason_batch`` run to rest, then ``learning_rollup``: the plan chosen, the outcome recorded, the statistics
and the policy are the product's. Each agent's luck is drawn in advance from the seeded RNG and given to it as
beliefs ``luck_p1`` … ``luck_p5`` (a string of ``0``/``1``, one per trial); plan ``pK`` reads its own at the
trial's index and fails (``.fail(unlucky)``) where the draw lost. (An action run by the action worker would
draw the same Bernoulli outcome at three more transactions a trial; the beliefs keep the bench in minutes.)

A round gives every agent of every condition and seed one ``trial`` goal, runs the batches to rest and rolls
up; the choices are read back from PlanOutcome (and checked against the luck: a success where the table said
a loss would mean the environment is not what the figures assume). Each condition of each seed is its own
organization with its SelectionPolicy; the shared ones are one group (sharing on) of all its agents, one role.
Conditions: first_applicable, thompson (solo), thompson_shared (a group of 5); a heterogeneous group of 10
(every second agent sees the probabilities reversed, its belief ``segment`` says which) under thompson solo,
thompson_shared with the plans declaring ``feature(segment, …)`` (keyed) and without it (unkeyed).

Choices are what matter here, not speed: fast PostgreSQL settings are fine and the figures say which ran.
``BENCH_SCALE`` scales the trials and the seeds (``BENCH_SCALE=0.05``: a check of the bench in well under a
minute, written nowhere); ``BENCH_LEARNING_TRIALS`` and ``BENCH_LEARNING_SEEDS`` set them.
"""

from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# isort: off
from scripts.bench import run  # first: it sets Django up, as every bench phase does

from django.conf import settings
from django.db import connection, transaction

from agents.agent.services.groups import group_create, membership_add
from agents.learning.bandit import FIRST_APPLICABLE, THOMPSON_SHARED
from agents.learning.services.policies import selection_policy_create
from agents.learning.services.rollup import learning_rollup
from agents.models import Belief, PlanOutcome
from agents.reasoning.cycle.batch import reason_batch
from agents.reasoning.events.services import NewEvent, agent_events_post
from scripts.bench import durability, learning_sim
from scripts.bench.learning_report import MARKERS, render
from scripts.bench.reasoning import organization
# isort: on

PLANS = len(learning_sim.PROBABILITIES)


def plans_text(*, keyed: bool) -> str:
    """Five plans for one goal in source order; ``keyed``: each declares the feature that tells the agents'
    two worlds apart."""
    feature = "[feature(segment, belief('segment', ''))]" if keyed else ""
    return "\n".join(f"@p{k + 1}{feature} +!trial(N) <- if (belief('luck_p{k + 1}', '')[N] == '0') "
                     "{ .fail(unlucky) }." for k in range(PLANS))


def condition_setup(condition: learning_sim.Condition, seed: int, trials: int) -> dict:
    """The condition's organization, agents (their luck and segment as beliefs), policy and group."""
    org, agents = organization(f"learn-{condition.name.replace('_', '-')}-{seed}", condition.agents,
                               plans_text(keyed=condition.keyed))
    selection_policy_create(organization=org, by=run.SYSTEM, policy=condition.policy, shared_weight=1.0)
    if condition.policy == THOMPSON_SHARED:
        group = group_create(organization=org, name="Trial team", by=run.SYSTEM)
        for agent in agents:
            membership_add(group=group, agent=agent, by=run.SYSTEM)
    beliefs = []
    for i, agent in enumerate(agents):
        table = learning_sim.luck(seed, i, condition.probabilities(i), trials)
        beliefs += [Belief(agent=agent, key=f"luck_p{k + 1}", value=table[k], source="bench") for k in range(PLANS)]
        beliefs.append(Belief(agent=agent, key="segment", value=condition.segment(i), source="bench"))
    Belief.objects.bulk_create(beliefs)
    return {"condition": condition, "seed": seed, "agents": agents}


def rounds(agents: list, trials: int, limit: int) -> dict:
    """``trials`` rounds: a goal each, the batches to rest, the roll-up. Seconds spent in each part."""
    spent = {"post": 0.0, "cycles": 0.0, "rollup": 0.0, "batches": 0, "cycles_run": 0, "rollups": 0,
             "rollup_rows": 0}
    for t in range(trials):
        started = time.perf_counter()
        with transaction.atomic():
            agent_events_post(events=[NewEvent(agent=agent, kind="goal_added", args={"name": "trial", "args": [t]})
                                      for agent in agents], by=run.SYSTEM)
        posted = time.perf_counter()
        while ran := reason_batch(limit=limit):
            spent["batches"] += 1
            spent["cycles_run"] += ran
        rested = time.perf_counter()
        while (rolled := learning_rollup()).outcomes:
            spent["rollups"] += 1
            spent["rollup_rows"] += rolled.stats_created + rolled.stats_updated
        spent["post"] += posted - started
        spent["cycles"] += rested - posted
        spent["rollup"] += time.perf_counter() - rested
    return spent


def choices_read(setups: list[dict], trials: int) -> list[learning_sim.AgentRun]:
    """Each agent's plan per trial, from the outcome log, checked against its luck."""
    index = {}
    for setup in setups:
        for i, agent in enumerate(setup["agents"]):
            index[agent.pk] = (setup, i)
    chosen: dict = defaultdict(list)
    for agent_id, label, success in (PlanOutcome.objects.filter(agent_id__in=index, trigger_name="trial")
                                     .order_by("id").values_list("agent_id", "plan__label", "success")):
        chosen[agent_id].append((int(label[1:]) - 1, success))
    runs = []
    for agent_id, (setup, i) in index.items():
        condition, seed = setup["condition"], setup["seed"]
        made = chosen[agent_id]
        if len(made) != trials:
            raise RuntimeError(f"{condition.name} seed {seed} agent {i}: {len(made)} outcomes for {trials} trials")
        table = learning_sim.luck(seed, i, condition.probabilities(i), trials)
        wrong = [t for t, (plan, success) in enumerate(made) if success != (table[plan][t] == "1")]
        if wrong:
            raise RuntimeError(f"{condition.name} seed {seed} agent {i}: outcomes disagree with the luck at "
                               f"{wrong[:5]}")
        runs.append(learning_sim.AgentRun(condition.name, seed, i, condition.probabilities(i), [p for p, _ in made]))
    return runs


def main() -> int:
    db = durability.bench_database(connection, tag="learning")
    if db is None:
        return 2
    trials = run.scaled(int(os.environ.get("BENCH_LEARNING_TRIALS", "500")), least=25)
    seeds = run.scaled(int(os.environ.get("BENCH_LEARNING_SEEDS", "8")), least=2)
    sim_seeds = max(run.scaled(int(os.environ.get("BENCH_LEARNING_SIM_SEEDS", "40")), least=2), seeds)
    half_life = settings.LEARNING["HALF_LIFE_SECONDS"]
    started = time.monotonic()
    setups = [condition_setup(condition, seed, trials) for seed in range(seeds)
              for condition in learning_sim.CONDITIONS if seed == 0 or condition.policy != FIRST_APPLICABLE]
    agents = [agent for setup in setups for agent in setup["agents"]]
    spent = rounds(agents, trials, settings.REASONING["BATCH_SIZE"])
    runs = choices_read(setups, trials)
    cycle_seconds = time.monotonic() - started
    sim_started = time.monotonic()
    simulated = [r for condition in learning_sim.CONDITIONS for seed in range(sim_seeds)
                 for r in learning_sim.simulate(condition, seed=seed, trials=trials, half_life=half_life)]
    result = {"machine": run.machine(), "database": db, "trials": trials, "seeds": seeds, "sim_seeds": sim_seeds,
              "half_life": half_life, "agents": len(agents), "seconds": cycle_seconds, "spent": spent,
              "cycle": learning_sim.figures(runs), "simulation": learning_sim.figures(simulated),
              "simulation_seconds": time.monotonic() - sim_started}
    return run.phase_end(result, lambda figures: run.block_write(
        render(figures), MARKERS[durability.mode(figures["database"])], heading="## Learning"))


if __name__ == "__main__":
    sys.exit(main())
