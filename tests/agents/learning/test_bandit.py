"""The policy's arithmetic (agents/learning/bandit.py), alone: what the cycle, the replay and the bench share."""

from __future__ import annotations

import random

import pytest

from agents.learning.bandit import FIRST_APPLICABLE, THOMPSON, THOMPSON_SHARED, Arm, Tally, choose, decay, fold


def test_fold_halves_the_weight_every_half_life_and_ignores_going_back():
    assert fold(0, 0, 0, [(1, 0), (0, 10)], 10) == (0.5, 1.0, 10)
    assert fold(4, 0, 100, [(0, 90)], 10) == (4, 1, 100)  # an outcome older than the weights: not decayed again
    assert fold(1, 1, 0, [(1, 10**6)], 0) == (2, 1, 10**6)  # no half-life: never forget
    assert decay(20, 10) == 0.25


def test_no_data_means_source_order_and_no_sample():
    index, scores = choose([Arm(), Arm()], policy=THOMPSON, weight=1, rng=random.Random(1))
    assert index == 0 and all(s.sample is None for s in scores)


def test_first_applicable_never_samples():
    index, scores = choose([Arm(Tally(0, 50, 50)), Arm(Tally(50, 0, 50))], policy=FIRST_APPLICABLE, weight=1,
                           rng=random.Random(1))
    assert index == 0 and scores[0].sample is None


def test_shared_adds_the_groups_experience_beyond_the_agents_own_times_the_weight():
    arm = Arm(own=Tally(2, 1, 3), groups=(Tally(10, 3, 13), Tally(1, 5, 6)))
    _, [score] = choose([arm], policy=THOMPSON_SHARED, weight=0.5, rng=random.Random(1))
    assert (score.shared.successes, score.shared.failures, score.shared.count) == (8, 6, 13)  # (8,2,10)+(0,4,3)
    assert (score.alpha, score.beta) == (1 + 2 + 0.5 * 8, 1 + 1 + 0.5 * 6)
    _, [solo] = choose([arm], policy=THOMPSON, weight=0.5, rng=random.Random(1))
    assert (solo.alpha, solo.beta) == (3, 2)


@pytest.mark.parametrize("half_life", [50.0])
def test_a_half_life_follows_drift_where_never_forgetting_does_not(half_life):
    """Plan 0 works for 300 trials, then stops; plan 1 works from then on. With a half-life the agent moves to
    plan 1 within a few dozen trials; never forgetting, it clings to plan 0's long record."""
    def late_share(half: float) -> float:
        rng, env = random.Random(7), random.Random(8)
        tallies = [(0.0, 0.0, 0.0, 0), (0.0, 0.0, 0.0, 0)]
        picks = []
        for t in range(600):
            arms = [Arm(Tally(s * decay(t - at, half), f * decay(t - at, half), n)) for s, f, at, n in tallies]
            index, _ = choose(arms, policy=THOMPSON, weight=1, rng=rng)
            good = (index == 0) == (t < 300)
            score = 1.0 if env.random() < (0.9 if good else 0.1) else 0.0
            s, f, at, n = tallies[index]
            s, f, at = fold(s, f, at, [(score, t)], half)
            tallies[index] = (s, f, at, n + 1)
            picks.append(index)
        return picks[400:].count(1) / 200

    assert late_share(half_life) >= 0.9
    assert late_share(0.0) < late_share(half_life)
