"""The learning bench's environment and its pure-Python simulation (issue 16, part 7).

The environment: five plans for one goal, in source order, whose hidden success probabilities are
``PROBABILITIES`` (the best, 0.65, is the last: first applicable always picks the worst). Each agent's luck
is drawn in advance with the simulated business's outcome draw (agents/simulation/environment.py, the draw that
decides the demo's campaigns): ``luck(seed, agent, probabilities, trials)[plan][trial]`` says whether that plan
would succeed at that trial. The draws are independent Bernoulli(p) whichever plan is chosen, so a
table drawn beforehand is the same environment as a draw made on demand; it lets the bench hand the table to
the real cycle as beliefs and lets every policy face the same luck (agent ``i`` of every condition of a seed
shares its table: common random numbers, a paired comparison).

The simulation runs the policy exactly as the cycle does, with the same code: ``agents.learning.bandit.choose``
over ``Arm(own, groups)`` and ``fold`` for the time-discounted tallies, per agent and per group, per context
key, decayed to the round's instant as the chooser decays them (``tally_at``). A round is one trial per agent,
choosing over the tallies as the last roll-up left them; then the round's outcomes are folded in, agents in
order, as ``learning_rollup`` does with the outcomes of the round. The clock moves ``ROUND_SECONDS`` a round
(about what a round takes on the real cycle), so the half-life means the same here as there.

The metrics (docs/benchmarks.md, "Learning"):

- regret: the sum over an agent's trials of ``best_p - p_chosen`` (expected, not the luck it had).
- trials-to-90: the first trial ``t`` (1-based, ``t >= WINDOW``) at which at least ``SHARE`` of the last
  ``WINDOW`` choices (trials ``t - WINDOW + 1`` to ``t``) are the agent's best plan; ``T`` if never.

Imported by the test suite (tests/agents/learning/test_simulation.py) and by scripts/bench/learning.py; no
Django here.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agents.learning.bandit import FIRST_APPLICABLE, THOMPSON, THOMPSON_SHARED, Arm, Weights, choose
from agents.simulation.environment import outcome_draw

PROBABILITIES = (0.30, 0.40, 0.50, 0.55, 0.65)
REVERSED = tuple(reversed(PROBABILITIES))
WINDOW = 20
SHARE = 0.9
#: The simulation's clock per round: about what a round of the bench takes on the real cycle.
ROUND_SECONDS = 1.0
GROUP = 5


@dataclass(frozen=True)
class Condition:
    """A set of agents under one policy: ``reversed_`` marks the agents that see the probabilities reversed;
    ``keyed``: their plans declare the feature that tells the two kinds apart (the context key)."""

    name: str
    policy: str
    agents: int = GROUP
    reversed_: tuple[bool, ...] = ()
    keyed: bool = False

    def probabilities(self, agent: int) -> tuple[float, ...]:
        return REVERSED if agent < len(self.reversed_) and self.reversed_[agent] else PROBABILITIES

    def segment(self, agent: int) -> str:
        return "reversed" if self.probabilities(agent) == REVERSED else "normal"


def heterogeneous(name: str, policy: str, *, keyed: bool, agents: int = 6) -> Condition:
    """Half the agents (every second one) see the probabilities reversed."""
    return Condition(name, policy, agents, tuple(i % 2 == 1 for i in range(agents)), keyed)


#: What the bench and the test compare: the homogeneous three, then the heterogeneous group three ways.
CONDITIONS = (
    Condition("first_applicable", FIRST_APPLICABLE),
    Condition("thompson", THOMPSON),
    Condition("thompson_shared", THOMPSON_SHARED),
    heterogeneous("hetero_solo", THOMPSON, keyed=True),
    heterogeneous("hetero_keyed", THOMPSON_SHARED, keyed=True),
    heterogeneous("hetero_unkeyed", THOMPSON_SHARED, keyed=False),
)


def luck(seed: int, agent: int, probabilities: Sequence[float], trials: int) -> list[str]:
    """Per plan, a string of ``trials`` characters: ``"1"`` where that plan succeeds at that trial.

    Each character is the simulated business's hidden-probability draw (``agents.simulation.environment.
    outcome_draw``, the one that decides the demo's campaigns), on the stream ``luck:<agent>:<plan>``: the bench
    and the simulation are one environment, and two plans or agents never share luck."""
    return ["".join("1" if outcome_draw(seed=seed, stream=f"luck:{agent}:{plan}", trial=trial, probability=p)
                    else "0" for trial in range(trials))
            for plan, p in enumerate(probabilities)]


def regret(choices: Sequence[int], probabilities: Sequence[float]) -> float:
    best = max(probabilities)
    return sum(best - probabilities[choice] for choice in choices)


def trials_to_share(choices: Sequence[int], best: int, *, window: int = WINDOW, share: float = SHARE) -> int:
    """The first trial at which ``share`` of the last ``window`` choices are ``best``; ``len(choices)`` if never."""
    need = math.ceil(share * window - 1e-9)
    hits = 0
    for t, choice in enumerate(choices, start=1):
        hits += choice == best
        if t > window:
            hits -= choices[t - 1 - window] == best
        if t >= window and hits >= need:
            return t
    return len(choices)


@dataclass
class AgentRun:
    """One agent's trials: the plans it chose, in order, and the figures of them."""

    condition: str
    seed: int
    agent: int
    probabilities: tuple[float, ...]
    choices: list[int]

    @property
    def regret(self) -> float:
        return regret(self.choices, self.probabilities)

    @property
    def trials_to_90(self) -> int:
        return trials_to_share(self.choices, self.probabilities.index(max(self.probabilities)))


def simulate(condition: Condition, *, seed: int, trials: int, half_life: float, weight: float = 1.0
             ) -> list[AgentRun]:
    """The condition's agents, all in one group, for ``trials`` rounds; one run per agent."""
    n = condition.agents
    tables = [luck(seed, i, condition.probabilities(i), trials) for i in range(n)]
    keys = [condition.segment(i) if condition.keyed else "" for i in range(n)]
    rngs = [random.Random(f"choose:{seed}:{condition.name}:{i}") for i in range(n)]  # noqa: S311
    own: dict[tuple[int, int, str], Weights] = defaultdict(Weights)
    group: dict[tuple[int, str], Weights] = defaultdict(Weights)
    choices: list[list[int]] = [[] for _ in range(n)]
    plans = range(len(PROBABILITIES))
    for t in range(trials):
        now = t * ROUND_SECONDS
        outcomes = []
        for i in range(n):
            arms = [Arm(own=own[(i, k, keys[i])].at(now, half_life), groups=(group[(k, keys[i])].at(now, half_life),))
                    for k in plans]
            chosen, _scores = choose(arms, policy=condition.policy, weight=weight, rng=rngs[i])
            choices[i].append(chosen)
            outcomes.append((i, chosen, 1.0 if tables[i][chosen][t] == "1" else 0.0))
        for i, chosen, score in outcomes:  # the roll-up after the round, oldest outcome first
            own[(i, chosen, keys[i])].add(score, now, half_life)
            group[(chosen, keys[i])].add(score, now, half_life)
    return [AgentRun(condition.name, seed, i, condition.probabilities(i), choices[i]) for i in range(n)]


# --- statistics over seeds -----------------------------------------------------------------------------------

#: Two-sided 95 % quantiles of Student's t, by degrees of freedom (no SciPy in the project).
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
         11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
         20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t975(df: int) -> float:
    """The quantile for ``df`` degrees of freedom (the nearest tabulated df below it; 1.96 past 120)."""
    if df > 120:
        return 1.960
    return _T975[max(k for k in _T975 if k <= max(df, 1))]


def mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and its 95 % t-interval (low, high); a single value is its own interval."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, mean, mean
    half = t975(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def per_seed(runs: Sequence[AgentRun], figure: str) -> dict[int, float]:
    """The mean of ``figure`` (``regret`` or ``trials_to_90``) over each seed's agents: the unit of the CI
    (a group's agents are not independent of one another; its seeds are)."""
    by_seed: dict[int, list[float]] = defaultdict(list)
    for run in runs:
        by_seed[run.seed].append(getattr(run, figure))
    return {seed: statistics.fmean(values) for seed, values in sorted(by_seed.items())}


def reduction_ci(treated: dict[int, float], baseline: dict[int, float], *, resamples: int = 2000,
                 seed: int = 16) -> tuple[float, float, float]:
    """``1 - mean(treated) / mean(baseline)`` over the seeds both have, and its 95 % paired bootstrap interval
    (seeds resampled with replacement, the same seeds for both)."""
    seeds = sorted(set(treated) & set(baseline))

    def cut(sample: Sequence[int]) -> float:
        base = sum(baseline[s] for s in sample)
        return 1.0 - sum(treated[s] for s in sample) / base if base else 0.0

    point = cut(seeds)
    rng = random.Random(seed)  # noqa: S311
    cuts = sorted(cut([rng.choice(seeds) for _ in seeds]) for _ in range(resamples))
    return point, cuts[int(0.025 * (resamples - 1))], cuts[int(0.975 * (resamples - 1))]


def summary(runs: Sequence[AgentRun]) -> dict[str, dict[str, list[float]]]:
    """Per condition: regret and trials-to-90, each ``[mean, low, high]`` over the seeds."""
    by_condition: dict[str, list[AgentRun]] = defaultdict(list)
    for run in runs:
        by_condition[run.condition].append(run)
    return {name: {figure: list(mean_ci(list(per_seed(group, figure).values())))
                   for figure in ("regret", "trials_to_90")} for name, group in by_condition.items()}


def segments(runs: Sequence[AgentRun]) -> list[AgentRun]:
    """The heterogeneous runs again, under ``<condition>/<segment>``: "never worse" holds for each kind."""
    return [AgentRun(f"{run.condition}/{'reversed' if run.probabilities == REVERSED else 'normal'}", run.seed,
                     run.agent, run.probabilities, run.choices) for run in runs if run.condition.startswith("hetero")]


def figures(runs: Sequence[AgentRun]) -> dict:
    """Everything the report shows: per condition (and heterogeneous segment) the means and CIs, and the cuts
    (``1 - treated / baseline``, bootstrap CI) of shared vs solo and of each heterogeneous sharing vs solo."""
    def seeds(name: str, figure: str) -> dict[int, float]:
        return per_seed([run for run in runs if run.condition == name], figure)

    cuts = {f"{treated}_vs_{baseline}": {figure: list(reduction_ci(seeds(treated, figure), seeds(baseline, figure)))
                                         for figure in ("regret", "trials_to_90")}
            for treated, baseline in (("thompson_shared", "thompson"), ("hetero_keyed", "hetero_solo"),
                                      ("hetero_unkeyed", "hetero_solo"))}
    names = sorted({run.condition for run in runs})
    return {"summary": summary([*runs, *segments(runs)]), "cuts": cuts,
            "seeds": {name: {figure: seeds(name, figure) for figure in ("regret", "trials_to_90")} for name in names}}
