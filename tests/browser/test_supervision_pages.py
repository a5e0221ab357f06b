"""Supervision's admin pages in a real browser (Debian's Chromium through Playwright): the policy list and add
page (a policy added by clicking, a refused value shown on its field), the event log and an event, a group's
page with its members' health, and the dashboard panel; each page with no console error, failed request or
CSP violation (tests/support/browser.py collects them)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agents.agent.services.groups import group_create
from agents.models import SupervisionEvent, SupervisorPolicy
from tests.support.actors import SYSTEM
from tests.support.supervision import fail_and_schedule, failing_team


@pytest.fixture
def team(quiet):
    """A team whose worker failed and waits for its restart (``quiet``: the suite's worker reasons nothing
    of it meanwhile)."""
    world = failing_team("worker", "helper")
    fail_and_schedule(world, "worker")
    return world


def test_a_policy_is_added_by_clicking_and_a_refused_value_shows_on_its_field(admin_page, team):
    loose = group_create(organization=team.org, name="Loose", by=SYSTEM)
    admin_page.check("the policy list", reverse("admin:agents_supervisorpolicy_changelist"))
    assert "group Team" in admin_page.text()
    admin_page.check("the policy add page", reverse("admin:agents_supervisorpolicy_add"))
    page = admin_page.page
    page.select_option("#id_organization", str(team.org.pk))
    page.select_option("#id_group", str(loose.pk))
    page.select_option("#id_strategy", "rest_for_one")
    page.fill("#id_intensity", "0")
    page.click("input[name=_save]")
    admin_page.assert_clean("the refused add page", admin_page.settle())
    error = page.locator(".field-intensity .errorlist").inner_text()
    assert "An integer from 1 to 1000." in error, error
    assert not SupervisorPolicy.objects.filter(group=loose).exists()
    page.fill("#id_intensity", "4")
    page.click("input[name=_save]")
    admin_page.assert_clean("the policy list after adding", admin_page.settle())
    assert "was added successfully" in admin_page.text()
    policy = SupervisorPolicy.objects.get(group=loose)
    assert (policy.strategy, policy.intensity) == ("rest_for_one", 4)
    assert "4 in 60 s" in admin_page.text()


def test_the_event_log_and_an_event(admin_page, team):
    admin_page.check("the supervision events", reverse("admin:agents_supervisionevent_changelist"))
    text = admin_page.text().lower()
    assert "restart scheduled" in text and "intentions failing" in text and team.worker.name.lower() in text
    event = SupervisionEvent.objects.get(agent=team.worker, kind="restart_scheduled")
    admin_page.check("a supervision event", reverse("admin:agents_supervisionevent_change", args=[event.pk]))
    detail = admin_page.page.locator("table.supervision-detail").inner_text()
    assert "backoff_seconds" in detail and "one_for_one" in detail, detail


def test_the_group_page_shows_its_members_health(admin_page, team):
    admin_page.check("a group's page", reverse("admin:agents_agentgroup_change", args=[team.team.pk]))
    page = admin_page.page
    table = page.locator("table.supervision-health")
    assert table.is_visible(), "the members' health table is not visible"
    assert table.locator("tbody tr").count() == 3  # the leader and two members
    failed = table.locator("tr.supervision-failed")
    assert team.worker.name in failed.inner_text() and "intentions_failing" in failed.inner_text()
    colour = failed.locator("td").first.evaluate("cell => getComputedStyle(cell).color")
    assert colour == "rgb(138, 17, 17)", f"the failed row is not marked ({colour}): supervision.css did not apply"
    assert "one_for_one" in page.locator(".field-group_policy").inner_text()


def test_the_dashboard_panel(admin_page, team):
    admin_page.check("the admin index", reverse("admin:index"))
    panel = admin_page.page.locator("#mabos-supervision")
    assert panel.is_visible()
    assert team.worker.name in panel.locator("#mabos-unhealthy").inner_text()
    assert "restart scheduled" in panel.locator("#mabos-restarts").inner_text().lower()
