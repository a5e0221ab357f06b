"""The agent's admin page as its mind (agents/reasoning/mind.py, the agent admin's change form): the goal tree
with statuses and args, the live intentions with their stacks, the last cycles in words; a bounded number
of queries whatever the agent holds; classes, never inline styles (the CSP)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.models import Goal, GoalStatus, IntentionStatus
from agents.reasoning.mind import DEPTH_SHOWN, agent_mind, goal_tree
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import GoalFactory
from tests.support.mind import CycleTraceFactory, IntentionFactory, frame, plan_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_viewer(org):
    """A staff member who may only view the organization's agents."""
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, "view")
    return user


def page_of(user, agent) -> str:
    response = staff_client(user).get(f"/admin/agents/agent/{agent.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def mind_section(page: str) -> str:
    start = page.index('<div class="module mind" id="mind">')
    return page[start:page.index('<div class="submit-row"', start) if '<div class="submit-row"' in page[start:]
                else len(page)]


def test_the_page_shows_the_goal_tree_the_live_intentions_and_the_last_cycles(agent, staff_viewer):
    version = plan_version(agent.organization)
    runway = GoalFactory(agent=agent, name="keep_runway", priority=90, status=GoalStatus.ACTIVE, args=[3])
    trim = GoalFactory(agent=agent, name="trim_spend", parent=runway, status=GoalStatus.PENDING)
    GoalFactory(agent=agent, name="renegotiate_rent", parent=trim, status=GoalStatus.FAILED)
    GoalFactory(agent=agent, name="<b>grow</b>", priority=10, kind="maintain", condition="cash > 0")
    IntentionFactory(agent=agent, goal=runway, steps_total=4, stack=[
        frame(version, pc=[1], bindings={"Months": 1}, goal=runway.pk), frame(version, pc=[2, "then", 0])])
    IntentionFactory(agent=agent, status=IntentionStatus.ACHIEVED, trigger_name="long_done")
    CycleTraceFactory(agent=agent, cycle=7)

    mind = mind_section(page_of(staff_viewer, agent))

    goals = re.findall(r'<td class="mind-depth-(\d)">(?:<span class="mind-branch">└</span> )?([^<]*)</td>', mind)
    assert goals == [("0", "keep_runway"), ("1", "trim_spend"), ("2", "renegotiate_rent"),
                     ("0", "&lt;b&gt;grow&lt;/b&gt;")], goals
    assert "mind-status-failed" in mind and "<code>[3]</code>" in mind and "<code>cash &gt; 0</code>" in mind
    assert "Intentions (1 live)" in mind and "long_done" not in mind
    assert "<code>cut_costs</code>" in mind and "v1" in mind and "<code>body[1]</code>" in mind
    assert "<b>add_belief</b> <code>+runway(Months)</code>" in mind
    assert "<code>body[2].then[0]</code>" in mind and "<code>+runway_short</code>" in mind
    assert "<code>{&quot;Months&quot;: 1}</code>" in mind
    assert "cycle 7" in mind and "took event goal_added keep_runway (from user alice)" in mind
    assert "chose plan `cut_costs` v2 because `cash &lt; 3 * monthly_costs` held" in mind
    assert "style=" not in mind and "<script" not in mind


def test_the_page_links_its_stylesheet_and_says_when_there_is_nothing(agent, staff_viewer):
    page = page_of(staff_viewer, agent)
    assert "mabos/mind.css" in page
    mind = mind_section(page)
    assert "No goals." in mind and "No live intention." in mind and "No cycle yet." in mind


def _page_queries(user, agent) -> int:
    with CaptureQueriesContext(connection) as queries:
        page_of(user, agent)
    return len(queries.captured_queries)


def test_the_mind_costs_the_same_queries_for_2_of_everything_as_for_40(agent, staff_viewer):
    version = plan_version(agent.organization)

    def add(n: int) -> None:
        for i in range(n):
            goal = GoalFactory(agent=agent, parent=Goal.objects.filter(agent=agent).first())
            IntentionFactory(agent=agent, goal=goal, stack=[frame(version, pc=[i % 3]), frame(version)],
                             created_at=timezone.now() + datetime.timedelta(seconds=i))
            CycleTraceFactory(agent=agent)

    add(2)
    _page_queries(staff_viewer, agent)  # warm: content types, permission caches
    few = _page_queries(staff_viewer, agent)
    add(38)
    assert len(agent_mind(agent=agent).intentions) == 40
    assert _page_queries(staff_viewer, agent) == few


def test_the_mind_bounds_what_it_reads(agent, django_assert_num_queries):
    version = plan_version(agent.organization)
    for _ in range(3):
        IntentionFactory(agent=agent, stack=[frame(version)])
        CycleTraceFactory(agent=agent)
        GoalFactory(agent=agent)
    with django_assert_num_queries(4):  # goals, live intentions (fewer than the page's limit: no count), versions,
        mind = agent_mind(agent=agent)  # the trace
    assert len(mind.goals) == 3 and mind.intentions_live == 3 and len(mind.cycles) == 3


def test_the_goal_tree_orders_parents_before_children_and_survives_odd_parents():
    def goal(name, parent=None):
        return Goal(name=name, parent=parent)

    a = goal("a")
    b = goal("b", a)
    c = goal("c", b)
    orphan = Goal(name="orphan", parent_id=Goal().pk)  # its parent is not among those read
    d = goal("d")
    tree = goal_tree([a, d, c, b, orphan])
    assert [(g.name, depth) for g, depth in tree] == [("a", 0), ("b", 1), ("c", 2), ("d", 0), ("orphan", 0)]
    x, y = goal("x"), goal("y")
    x.parent_id, y.parent_id = y.pk, x.pk  # a cycle (the database refuses it): each goal once all the same
    assert sorted(g.name for g, _ in goal_tree([x, y])) == ["x", "y"]


def test_deep_trees_are_indented_up_to_a_bound(agent):
    parent = None
    for i in range(DEPTH_SHOWN + 3):
        parent = GoalFactory(agent=agent, name=f"level {i}", parent=parent)
    assert max(row.depth for row in agent_mind(agent=agent).goals) == DEPTH_SHOWN
