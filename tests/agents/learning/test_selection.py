"""Selection policies on the real cycle: first applicable, Thompson solo and shared (issue 16, part 4)."""

from __future__ import annotations

import pytest

from agents.models import GroupLearning, SelectionPolicy
from tests.support.factories import AgentGroupFactory, MembershipFactory
from tests.support.plan_trials import PLANS, trial
from tests.support.reasoning import World, traces_of

pytestmark = pytest.mark.django_db

def test_first_applicable_never_learns():
    world = World("ann")
    world.plans(PLANS)
    assert {trial(world, "ann") for _ in range(8)} == {"risky"}


def test_thompson_moves_to_the_plan_that_works():
    world = World("ann")
    world.plans(PLANS)
    SelectionPolicy.objects.create(organization=world.org, policy="thompson")
    choices = [trial(world, "ann") for _ in range(25)]
    assert choices[0] == "risky"  # no data: source order
    assert choices[-10:].count("steady") >= 8
    trace = [t for t in traces_of(world.ann) if t.choice and t.choice.get("policy")][-1]
    assert trace.choice["policy"] == "thompson" and "sampled" in trace.choice["why"]
    by_label = {s["label"]: s for s in trace.choice["scores"]}
    assert by_label["steady"]["own"][2] > 0 and by_label["risky"]["own"][2] > 0
    assert all(0 <= s["sample"] <= 1 for s in trace.choice["scores"])


def test_a_trigger_policy_overrides_the_organizations_default():
    world = World("ann")
    world.plans(PLANS)
    SelectionPolicy.objects.create(organization=world.org, policy="thompson")
    SelectionPolicy.objects.create(organization=world.org, trigger_kind="goal_added", trigger_name="sell",
                                   policy="first_applicable")
    assert {trial(world, "ann") for _ in range(8)} == {"risky"}


def _team(world: World, *slugs: str):
    team = AgentGroupFactory(organization=world.org)
    for slug in slugs:
        MembershipFactory(group=team, agent=world.agents[slug])
    return team


def test_shared_experience_reaches_a_member_who_has_none():
    world = World("ann", "bob")
    world.bob.role = world.ann.role  # one situation: the same role
    world.bob.save(update_fields=["role"])
    world.plans(PLANS)
    _team(world, "ann", "bob")
    SelectionPolicy.objects.create(organization=world.org, policy="thompson_shared", shared_weight=1.0)
    for _ in range(20):
        trial(world, "ann")
    # bob has never pursued the goal; the group's experience decides his first choices.
    assert [trial(world, "bob") for _ in range(5)].count("steady") >= 4
    trace = next(t for t in traces_of(world.bob) if t.choice and t.choice.get("policy"))
    steady = next(s for s in trace.choice["scores"] if s["label"] == "steady")
    assert steady["own"][2] == 0 and steady["shared"][2] > 0


def test_solo_thompson_and_a_group_that_does_not_share_ignore_the_group():
    world = World("ann", "bob")
    world.bob.role = world.ann.role
    world.bob.save(update_fields=["role"])
    world.plans(PLANS)
    team = _team(world, "ann", "bob")
    GroupLearning.objects.create(group=team, sharing=False)
    SelectionPolicy.objects.create(organization=world.org, policy="thompson_shared")
    for _ in range(12):
        trial(world, "ann")
    assert trial(world, "bob") == "risky"  # nothing of ann's reaches him: no data, source order


def test_agents_in_different_situations_do_not_pool():
    world = World("ann", "bob")  # different roles: different context keys
    world.plans(PLANS)
    _team(world, "ann", "bob")
    SelectionPolicy.objects.create(organization=world.org, policy="thompson_shared")
    for _ in range(12):
        trial(world, "ann")
    assert trial(world, "bob") == "risky"


def test_the_batch_reads_policies_in_one_query_and_statistics_in_two_more(django_assert_num_queries):
    from agents.learning.selection import chooser_for
    from agents.reasoning.cycle.library import Library

    world = World("ann", "bob")
    world.plans(PLANS)

    class Mind:
        def __init__(self, agent):
            self.agent = agent

    minds = [Mind(world.ann), Mind(world.bob)]
    with django_assert_num_queries(1):
        assert chooser_for(minds, Library([])) is None  # nobody learns: Jason's cycle, nothing more read
    SelectionPolicy.objects.create(organization=world.org, policy="thompson")
    library = Library.load(organization_ids={world.org.pk}, role_ids=set(), version_ids=set())
    with django_assert_num_queries(3):
        assert chooser_for(minds, library) is not None
