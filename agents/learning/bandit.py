"""Thompson sampling over plans, pure Python: what the cycle's chooser, the offline replay and the test
suite's simulation all compute, so a regression in the policy fails wherever it shows.

Each applicable plan is a Bernoulli arm with a Beta(1 + successes, 1 + failures) posterior over its
time-discounted statistics (``fold``: weight halves every ``LEARNING_HALF_LIFE_SECONDS``). Solo, those are
the agent's own. Shared, the group's experience is added with a weight: for every group the agent pools
with, what the group knows beyond the agent's own (the group's statistics minus the agent's, which they
include) counts ``weight`` times. One sample per arm; the highest wins; ties go to source order. With no
data on any arm, the first in source order is chosen: Jason's choice, until there is something to learn
from.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

FIRST_APPLICABLE = "first_applicable"
THOMPSON = "thompson"
THOMPSON_SHARED = "thompson_shared"
POLICIES = (FIRST_APPLICABLE, THOMPSON, THOMPSON_SHARED)


@dataclass(frozen=True)
class Tally:
    """Discounted successes and failures (what the posterior reads) and the raw count behind them."""

    successes: float = 0.0
    failures: float = 0.0
    count: int = 0

    def beyond(self, own: Tally) -> Tally:
        """What this (a group's) tally knows beyond ``own`` (a member's, which it includes)."""
        return Tally(max(0.0, self.successes - own.successes), max(0.0, self.failures - own.failures),
                     max(0, self.count - own.count))


@dataclass(frozen=True)
class Arm:
    """One applicable plan, in source order, with its experience for the situation at hand."""

    own: Tally = field(default_factory=Tally)
    groups: tuple[Tally, ...] = ()


@dataclass(frozen=True)
class Score:
    alpha: float
    beta: float
    sample: float | None
    own: Tally
    shared: Tally


def posterior(arm: Arm, *, shared: bool, weight: float) -> tuple[float, float, Tally]:
    """Beta parameters of one arm, and the shared tally that went into them."""
    extra = Tally()
    if shared:
        for group in arm.groups:
            more = group.beyond(arm.own)
            extra = Tally(extra.successes + more.successes, extra.failures + more.failures, extra.count + more.count)
    return (1.0 + arm.own.successes + weight * extra.successes,
            1.0 + arm.own.failures + weight * extra.failures, extra)


def choose(arms: Sequence[Arm], *, policy: str, weight: float, rng: random.Random) -> tuple[int, list[Score]]:
    """The index of the chosen arm and every arm's score (``sample`` None: nothing was sampled)."""
    shared = policy == THOMPSON_SHARED
    scores = []
    for arm in arms:
        alpha, beta, extra = posterior(arm, shared=shared, weight=weight)
        scores.append(Score(alpha, beta, None, arm.own, extra))
    if policy == FIRST_APPLICABLE or not any(s.own.count or s.shared.count for s in scores):
        return 0, scores
    sampled = [Score(s.alpha, s.beta, rng.betavariate(s.alpha, s.beta), s.own, s.shared) for s in scores]
    best = max(range(len(sampled)), key=lambda index: (sampled[index].sample, -index))
    return best, sampled


def decay(elapsed: float, half_life: float) -> float:
    """What one unit of weight is worth ``elapsed`` seconds later (1 with no half-life, or going back)."""
    if half_life <= 0 or elapsed <= 0:
        return 1.0
    return 0.5 ** (elapsed / half_life)


def fold(successes: float, failures: float, at: float, outcomes: Sequence[tuple[float, float]],
         half_life: float) -> tuple[float, float, float]:
    """Weights after ``outcomes`` ((score in [0, 1], time in seconds), oldest first), and the time they refer
    to. Weight halves every ``half_life`` seconds of the outcomes' own clock, so an old run of luck fades and
    the policy follows drift. The decay is by time, not by count, so every scope that holds an outcome
    holds it at the same weight at any instant: a group's weights minus a member's are exactly the rest
    of the group's experience (``Tally.beyond``), however many more outcomes the group saw."""
    for score, when in outcomes:
        factor = decay(when - at, half_life)
        successes, failures, at = successes * factor + score, failures * factor + (1.0 - score), max(at, when)
    return successes, failures, at


def tally_at(successes: float, failures: float, count: int, at: float, now: float, half_life: float) -> Tally:
    """A stored tally's weights as they stand at ``now`` (they were computed at ``at``)."""
    factor = decay(now - at, half_life)
    return Tally(successes * factor, failures * factor, count)


@dataclass
class Weights:
    """One statistic as the roll-up keeps it (weights, the instant they are for, the count), for code that
    keeps statistics in memory the same way: the offline replay and the bench's simulation."""

    successes: float = 0.0
    failures: float = 0.0
    weighed_at: float = 0.0
    count: int = 0

    def add(self, score: float, when: float, half_life: float) -> None:
        self.successes, self.failures, self.weighed_at = fold(self.successes, self.failures,
                                                              self.weighed_at if self.count else when,
                                                              [(score, when)], half_life)
        self.count += 1

    def at(self, now: float, half_life: float) -> Tally:
        return tally_at(self.successes, self.failures, self.count, self.weighed_at, now, half_life)
