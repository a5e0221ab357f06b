"""Jason conformance: plans changed while intentions run them (issue 13, part 9).

Jason changes its plan library at run time (``.add_plan``, ``.remove_plan``, ``tellHow``/``untellHow``); an
intended means already holds its plan, so a running intention finishes on the plan it chose. MABOS's plans
are versioned (docs/reasoning.md, "Plans and versions"): a revision is a new version, and a running
intention's frames name the version they started on.
"""

from __future__ import annotations

import pytest

from agents.models import GoalStatus, IntentionStatus
from agents.reasoning.plans.services import plan_disable, plan_revise
from agents.reasoning.plans.text import text_to_plans
from agents.reasoning.services.beliefs import belief_set
from tests.support.actors import SYSTEM
from tests.support.reasoning import World, beliefs_of, intentions_of, run_cycles, traces_of

pytestmark = pytest.mark.django_db


def test_a_plan_revised_while_an_intention_runs_it_finishes_on_the_old_version():
    """``src/test/jason/asl/stdlib/remove_plan.asl`` (``.remove_plan(l1)`` then ``.add_plan({ @l1 +!p <-
    +p1 })``: the library changes under a label) and ``TestKQML.java``'s ``testTellHow``/``untellHow``. An
    intention that is waiting inside ``@work`` v1 when the plan is revised resumes on v1; a goal adopted after
    the revision runs v2."""
    world = World("bob")
    [plan] = world.plans("@work +!work <- +started(1); .wait(+go); +finished_by(1).")
    old_goal = world.goal("bob", "work")
    run_cycles()
    [old] = intentions_of(world.bob)
    assert old.status == IntentionStatus.WAITING and old.stack[0]["number"] == 1
    [document] = text_to_plans("@work +!work <- +started(2); +finished_by(2).")
    version = plan_revise(plan=plan, document=document, by=SYSTEM)
    assert version.version == 2
    world.goal("bob", "work")
    run_cycles()
    old, new = intentions_of(world.bob)
    assert new.status == IntentionStatus.ACHIEVED and new.stack[0]["number"] == 2
    assert beliefs_of(world.bob)["finished_by"] == 2 and old.status == IntentionStatus.WAITING
    belief_set(agent=world.bob, key="go", value=True, by=SYSTEM)
    run_cycles()
    old.refresh_from_db()
    assert old.status == IntentionStatus.ACHIEVED and old.stack[0]["number"] == 1
    assert beliefs_of(world.bob)["finished_by"] == 1
    old_goal.refresh_from_db()
    assert old_goal.status == GoalStatus.ACHIEVED
    resumed = [s for t in traces_of(world.bob) for s in t.steps if s["intention"] == str(old.id)]
    assert {s["version"] for s in resumed} == {1}


def test_a_disabled_plan_is_not_chosen_but_a_running_intention_finishes_it():
    """``src/test/jason/asl/stdlib/remove_plan.asl``: after ``.remove_plan(l1)`` the plan is no longer
    relevant (``.relevant_plans`` finds none); an intention already on it is not touched. Here the disabled
    ``@fast`` is not among a new goal's options (``@slow`` runs instead), and the intention waiting inside
    ``@fast`` finishes on it."""
    world = World("bob")
    [fast, _slow] = world.plans("""
        @fast +!deliver <- +by_fast(1); .wait(+go); +by_fast(2).
        @slow +!deliver <- +by_slow(1).
    """)
    world.goal("bob", "deliver")
    run_cycles()
    plan_disable(plan=fast, by=SYSTEM, reason="replaced")
    world.goal("bob", "deliver")
    run_cycles()
    new_trace = [t for t in traces_of(world.bob) if t.event and t.event["kind"] == "goal_added"][-1]
    assert [o["label"] for o in new_trace.options] == ["slow"]
    belief_set(agent=world.bob, key="go", value=True, by=SYSTEM)
    run_cycles()
    first, second = intentions_of(world.bob)
    assert first.status == second.status == IntentionStatus.ACHIEVED
    assert first.stack[0]["label"] == "fast" and second.stack[0]["label"] == "slow"
    assert beliefs_of(world.bob) == {"by_fast": 2, "by_slow": 1, "go": True}
