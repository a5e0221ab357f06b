"""Learning's admin pages in a real browser (Debian's Chromium through Playwright): a plan's page with its
success-rate chart drawn (server-side SVG, a hostile group name shown as text), its statistics, policy and
last choices; a selection policy given to the plan's trigger from that page and changed by typing into its
form (a refused weight shown on its field); the dashboard's plans panel. Each page with no console error,
failed request or CSP violation (tests/support/browser.py collects them)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agents.models import SelectionPolicy
from tests.support.learning import HOSTILE, learning_team, trials


@pytest.fixture
def team(quiet):
    """A team that learnt for a while three hours ago and again now (``quiet``: the suite's worker reasons
    nothing of it meanwhile)."""
    team = learning_team(group_name=HOSTILE)
    trials(team, "ann", 6, hours_ago=3)
    trials(team, "bob", 4)
    return team


def test_the_plan_page_draws_its_learning(admin_page, team):
    admin_page.check("a plan's page", reverse("admin:agents_plan_change", args=[team.steady.pk]))
    page = admin_page.page
    chart = page.locator("#plan-learning svg.lc-chart")
    assert chart.is_visible(), "the success-rate chart is not visible"
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100, box
    assert chart.locator("g.lc-series").count() == 2  # the organization and the group
    assert chart.locator("circle.lc-point").count() >= 2
    colour = chart.locator("g.lc-s0 polyline.lc-line, g.lc-s0 circle.lc-point").first.evaluate(
        "node => getComputedStyle(node).stroke + ' ' + getComputedStyle(node).fill")
    assert "65, 118, 144" in colour, f"learning.css did not apply: {colour}"
    legend = page.locator("#plan-learning .lc-legend").inner_text()
    assert HOSTILE in legend  # shown as text, never run (a script would be a CSP violation and a console error)
    assert page.locator("#plan-stats-organization tbody tr").count() == 1
    assert page.locator("#plan-stats-agent tbody tr").count() >= 1
    assert "thompson_shared" in page.locator("#plan-policy").inner_text()
    choices = page.locator("#plan-choices > tbody > tr")
    assert 1 <= choices.count() <= 10
    assert "sampled" in choices.first.inner_text() and "risky" in choices.first.locator(".lc-scores").inner_text()


def test_a_policy_given_to_the_plans_trigger_and_changed_in_its_form(admin_page, team):
    admin_page.check("a plan's page", reverse("admin:agents_plan_change", args=[team.steady.pk]))
    page = admin_page.page
    page.click("#plan-policy-add")
    admin_page.assert_clean("the policy add page", admin_page.settle())
    assert page.locator("#id_trigger_kind").input_value() == "goal_added"
    assert page.locator("#id_trigger_name").input_value() == "sell"
    page.select_option("#id_policy", "thompson")
    page.click("input[name=_save]")
    admin_page.assert_clean("the policy list after adding", admin_page.settle())
    assert "was added successfully" in admin_page.text()
    policy = SelectionPolicy.objects.get(organization=team.org, trigger_kind="goal_added", trigger_name="sell")
    assert policy.policy == "thompson"

    admin_page.check("the plan's page again", reverse("admin:agents_plan_change", args=[team.steady.pk]))
    assert "this trigger's own policy" in page.locator("#plan-policy").inner_text()
    page.click("#plan-policy-change")
    admin_page.assert_clean("the policy change page", admin_page.settle())
    page.fill("#id_shared_weight", "-1")
    page.click("input[name=_save]")
    admin_page.assert_clean("the refused change", admin_page.settle())
    error = page.locator(".field-shared_weight .errorlist").inner_text()
    assert "A number from 0 to 10." in error, error
    policy.refresh_from_db()
    assert (policy.shared_weight, policy.version) == (1.0, 1)
    page.fill("#id_shared_weight", "2.5")
    page.click("input[name=_save]")
    admin_page.assert_clean("the policy list after changing", admin_page.settle())
    assert "was changed successfully" in admin_page.text()
    policy.refresh_from_db()
    assert (policy.shared_weight, policy.version) == (2.5, 2)


def test_the_outcome_and_statistics_lists_and_the_dashboard_panel(admin_page, team):
    admin_page.check("the outcomes", reverse("admin:agents_planoutcome_changelist"))
    assert "steady" in admin_page.text()
    admin_page.check("the statistics", reverse("admin:agents_planstats_changelist"))
    assert "steady" in admin_page.text()
    admin_page.check("the admin index", reverse("admin:index"))
    panel = admin_page.page.locator("#mabos-plans")
    assert panel.is_visible()
    assert "steady" in panel.locator("#mabos-plans-best").inner_text()
    panel.locator("#mabos-plans-best a", has_text="steady").click()
    admin_page.assert_clean("the plan page from the dashboard", admin_page.settle())
    assert admin_page.page.locator("#plan-learning svg.lc-chart").is_visible()
