"""learning_evaluate: Li et al.'s replay of the outcome log (issue 16, part 6), on a synthetic log written as
PlanOutcome rows (the log is the input) where one plan clearly wins."""

from __future__ import annotations

import datetime
import io
import json
import random
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agents.learning.replay import Event, replay
from agents.models import PlanOutcome
from tests.support.reasoning import World

pytestmark = pytest.mark.django_db

#: The hidden success probabilities: the plan first in source order is the bad one.
BAD, GOOD = 0.1, 0.9


def _log(world: World, *, n: int = 600, seed: int = 7) -> tuple:
    """A log collected with uniformly random choices between the two plans, for three agents."""
    bad, good = world.plans("@bad +!sell <- +sold(1).\n@good +!sell <- +sold(2).")
    rng = random.Random(seed)
    start = timezone.now() - datetime.timedelta(days=1)
    rows = []
    agents = [world.ann, world.bob, world.cat]
    for index in range(n):
        plan = rng.choice([bad, good])
        agent = agents[index % len(agents)]
        rows.append(PlanOutcome(agent=agent, organization=world.org, role=agent.role, plan=plan,
                                version=plan.versions.get(), intention_id=uuid.uuid4(), trigger_kind="goal_added",
                                trigger_name="sell", context_key="k", context={},
                                success=rng.random() < (BAD if plan is bad else GOOD),
                                created_at=start + datetime.timedelta(seconds=index)))
    PlanOutcome.objects.bulk_create(rows)
    return bad, good


def evaluate(*args: str) -> str:
    out = io.StringIO()
    call_command("learning_evaluate", *args, stdout=out)
    return out.getvalue()


def test_thompson_expects_more_than_first_applicable_when_the_first_plan_is_bad():
    world = World("ann", "bob", "cat")
    _log(world)
    result = json.loads(evaluate("--organization", world.org.slug, "--format", "json", "--seed", "3"))
    policies = result["policies"]
    assert result["events"] == 600
    assert 0.4 < result["logged_success"] < 0.6  # uniform logging: about the mean of the two
    assert policies["first_applicable"]["expected_success"] < 0.2
    assert policies["thompson"]["expected_success"] > 0.7
    assert policies["thompson_shared"]["expected_success"] > 0.7
    assert policies["thompson"]["expected_success"] > policies["first_applicable"]["expected_success"]
    assert 200 < policies["first_applicable"]["matched"] < 400  # about half the events are the first plan's
    assert "uniformly random" in result["warning"]


def test_the_text_report_names_every_policy_and_the_warning():
    world = World("ann", "bob", "cat")
    _log(world, n=60)
    text = evaluate("--organization", str(world.org.pk), "--trigger", "goal_added:sell", "--since", "2000-01-01")
    for word in ("logged policy", "first_applicable", "thompson_shared", "events matched", "uniformly random"):
        assert word in text


def test_the_same_seed_gives_the_same_numbers_and_filters_narrow_the_log():
    world = World("ann", "bob", "cat")
    _log(world, n=90)
    args = ("--organization", world.org.slug, "--format", "json", "--seed", "5")
    assert evaluate(*args) == evaluate(*args)
    assert json.loads(evaluate(*args, "--trigger", "goal_added:other"))["events"] == 0
    future = (timezone.now() + datetime.timedelta(days=1)).date().isoformat()
    empty = json.loads(evaluate(*args, "--since", future))
    assert empty["events"] == 0 and empty["policies"]["thompson"]["expected_success"] is None


@pytest.mark.parametrize(("args", "words"), [
    (("--organization", "no-such-org"), "--organization: no organization"),
    (("--organization", "{org}", "--trigger", "sell"), "--trigger: 'sell' is not <kind>:<name>"),
    (("--organization", "{org}", "--trigger", "nonsense:sell"), "the kinds are"),
    (("--organization", "{org}", "--trigger", "goal_added:"), "--trigger"),
    (("--organization", "{org}", "--since", "yesterday"), "--since: 'yesterday' is not a date"),
])
def test_bad_arguments_are_command_errors_that_say_why(args, words):
    world = World("ann")
    with pytest.raises(CommandError) as raised:
        evaluate(*(arg.format(org=world.org.slug) for arg in args))
    assert words in str(raised.value)


def test_replay_is_pure_and_counts_only_the_events_a_policy_agrees_with():
    decision = ("goal_added", "sell", "k")
    events = [Event(agent="a", decision=decision, plan=plan, score=score)
              for plan, score in [("x", 0.0), ("y", 1.0), ("x", 0.0), ("y", 1.0)]]
    result = replay(events, arms={decision: ["x", "y"]}, groups={}, policies=["first_applicable"])
    assert result.events == 4 and result.logged == 0.5
    assert result.policies["first_applicable"].matched == 2
    assert result.policies["first_applicable"].expected == 0.0
    with pytest.raises(ValueError, match="unknown policy"):
        replay(events, arms={}, groups={}, policies=["greedy"])
