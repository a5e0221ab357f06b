"""HISTORY in a real browser (issue 19, part 6): an agent's and an organization's audit trail, and the audit list
with its IP and request columns in view on a 1440 px screen, all clean of console errors and CSP violations."""

from __future__ import annotations

from django.urls import reverse

from agents.agent.services.agents import agent_update
from agents.organization.services.organizations import organization_update
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory


def test_history_pages_and_the_audit_list_read_cleanly(admin_page):
    agent = AgentFactory(name="Historic")
    agent_update(agent=agent, by=SYSTEM, expected_version=agent.version, config={"desk": "east"})
    organization_update(organization=agent.organization, by=SYSTEM, description="a new description")
    page = admin_page.page
    page.set_viewport_size({"width": 1440, "height": 900})

    admin_page.check("the agent's page", reverse("admin:agents_agent_change", args=[agent.pk]))
    page.click("a.historylink")  # the HISTORY button
    admin_page.assert_clean("the agent's history", admin_page.settle())
    assert page.url.endswith(reverse("admin:agents_agent_history", args=[agent.pk])), page.url
    rows = page.locator("tr.audit-event").all_inner_texts()
    assert len(rows) == 1 and "config" in rows[0] and '{"desk": "east"}' in rows[0]

    admin_page.check("the organization's history",
                     reverse("admin:agents_organization_history", args=[agent.organization.pk]))
    assert "a new description" in page.inner_text("#audit-history")

    admin_page.check("the audit list", reverse("admin:auditlog_auditevent_changelist"))
    for column in ("ip", "request"):
        box = page.locator(f"th.column-{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1440, f"the {column} column is out of view: {box}"
    target = page.locator("#result_list td.field-target a").first
    assert target.count() == 1
    target.click()
    admin_page.assert_clean("a target's page from the audit list", admin_page.settle())
    assert "/change/" in page.url
