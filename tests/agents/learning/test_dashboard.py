"""The dashboard's "Plans, last day" panel (issue 16, part 8): the five most and five least successful plans
of the last 24 hours by success rate (at least three outcomes), of the organizations the viewer may see, each
linked to its admin page, in two queries whatever the number of outcomes."""

from __future__ import annotations

import re

import pytest

from agents.learning.charts import plans_last_day
from agents.models import Plan
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.learning import clock_back
from tests.support.reasoning import World, run_cycles

pytestmark = pytest.mark.django_db

#: label: (successes, failures). Rates a 1, b .75, f .6, c .5, g .33, d .25, e 0; h too few outcomes.
RUNS = {"a": (4, 0), "b": (3, 1), "c": (2, 2), "d": (1, 3), "e": (0, 4), "f": (3, 2), "g": (1, 2), "h": (2, 0)}


def _staff(org, *verbs):
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, *verbs)
    return user


def ran(world: World, runs: dict[str, tuple[int, int]]) -> dict[str, Plan]:
    """One plan per label, each pursued ``successes + failures`` times on the real cycle."""
    text = "\n".join(f"@{label} +!job_{label}(X) <- if (X > 0) {{ +done(X) }} else {{ .fail(bad) }}."
                     for label in runs)
    plans = {plan.label: plan for plan in world.plans(text)}
    for label, (won, lost) in runs.items():
        for value in [1] * won + [0] * lost:
            world.goal("ann", f"job_{label}", value)
    run_cycles()
    return plans


def panel(page: str) -> str:
    match = re.search(r'<section class="mabos-panel" id="mabos-plans">(.*?)</section>', page, re.S)
    assert match, "the plans panel is missing"
    return match.group(1)


def labels(table: str) -> list[str]:
    return re.findall(r'<tr><td><a href="/admin/agents/plan/[0-9a-f-]+/change/">(\w+)</a>', table)


def test_the_most_and_least_successful_plans_of_the_day_each_linked():
    world = World("ann")
    plans = ran(world, RUNS)
    other = World("ann")
    ran(other, {"z": (5, 0)})  # another organization's
    with clock_back(25):  # yesterday's: outside the day
        ran(world, {"old": (0, 5)})
    html = panel(staff_client(_staff(world.org, "view")).get("/admin/").content.decode())
    best = html.split('id="mabos-plans-best"')[1].split("</table>")[0]
    worst = html.split('id="mabos-plans-worst"')[1].split("</table>")[0]
    assert labels(best) == ["a", "b", "f", "c", "g"]
    assert labels(worst) == ["e", "d"]
    assert f'href="/admin/agents/plan/{plans["f"].pk}/change/">f</a></td>\n          <td>60%</td><td>3</td><td>5</td>' \
        in best
    assert "z" not in labels(best) and "old" not in html


def test_two_queries_whatever_the_number_of_outcomes(django_assert_num_queries):
    world = World("ann")
    ran(world, RUNS)
    user = _staff(world.org, "view")
    plans_last_day(user=user)  # the user's permissions, read once per request (every panel shares them)
    with django_assert_num_queries(2):
        best, worst = plans_last_day(user=user)
    assert [rate.label for rate in best] == ["a", "b", "f", "c", "g"]
    assert [(rate.label, rate.successes, rate.count) for rate in worst] == [("e", 0, 4), ("d", 1, 4)]
    ran(world, {label: (3, 3) for label in "ijklmn"})
    with django_assert_num_queries(2):
        best, worst = plans_last_day(user=user)
    assert len(best) == 5 and len(worst) == 5


def test_a_staff_member_seeing_nothing_sees_an_empty_panel():
    ran(World("ann"), RUNS)
    html = panel(staff_client(_staff(World("bob").org, "view")).get("/admin/").content.decode())
    assert "No plan ran often enough in the last day." in html and "/admin/agents/plan/" not in html
