"""The agent and organization add forms filled and saved in a real browser (issue 19, part 1).

Adding an agent in the admin failed on every save while its page rendered cleanly; tests/test_admin_forms.py
POSTs every admin form with Django's client, and this test does what a person does on the two forms they
meet first: types into the fields, chooses from the dropdowns, clicks Save, and reads the page it lands on.
The browser must see no console error, failed request or CSP violation on the way (tests/support/browser.py).
"""

from __future__ import annotations

from django.urls import reverse

from agents.agent.services.lifecycle import agent_pause
from agents.models import Agent, AgentKind, Organization
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, AgentRoleFactory, OrganizationFactory


def _save(admin_page, what: str, button: str = "input[name=_save]") -> str:
    """Click Save; the landing page must be clean and show no form error. Its text."""
    admin_page.page.click(button)
    admin_page.assert_clean(what, admin_page.settle())
    errors = admin_page.page.locator(".errornote, .errorlist").all_inner_texts()
    assert not errors, f"{what}: the form was refused: {errors}"
    return admin_page.text()


def test_an_organization_is_added_through_its_form(admin_page):
    admin_page.check("the organization add page", reverse("admin:agents_organization_add"))
    page = admin_page.page
    page.fill("#id_name", "Typed Bakery")
    page.fill("#id_slug", "typed-bakery")
    page.fill("#id_industry", "bakery")
    page.fill("#id_description", "A bakery typed into the admin.")
    page.fill("#id_profile", '{"size": "small"}')
    text = _save(admin_page, "the organization list after adding")
    org = Organization.objects.get(slug="typed-bakery")
    assert (org.name, org.profile) == ("Typed Bakery", {"size": "small"})
    assert "Typed Bakery" in text and "was added successfully" in text
    assert page.url.endswith(reverse("admin:agents_organization_changelist")), page.url


def test_an_agent_is_added_and_then_changed_through_its_form(admin_page):
    org = OrganizationFactory(name="Typed Retailer")
    role = AgentRoleFactory(organization=org, name="Buyer")
    boss = AgentFactory(organization=org, role=role, name="Boss")
    agent_pause(agent=boss, by=SYSTEM)  # the suite's worker, if running, must not reason over it meanwhile
    admin_page.check("the agent add page", reverse("admin:agents_agent_add"))
    page = admin_page.page
    page.select_option("#id_organization", str(org.pk))
    page.select_option("#id_role", str(role.pk))
    page.fill("#id_name", "Typed Buyer")
    page.fill("#id_slug", "typed-buyer")
    page.select_option("#id_kind", AgentKind.EXTERNAL)  # no runtime: nothing reasons over it while we look
    page.select_option("#id_supervisor", str(boss.pk))
    page.fill("#id_config", '{"desk": "north"}')
    text = _save(admin_page, "the agent list after adding")
    agent = Agent.objects.get(organization=org, slug="typed-buyer")
    assert (agent.name, agent.supervisor_id, agent.config, agent.version) == ("Typed Buyer", boss.pk,
                                                                              {"desk": "north"}, 1)
    assert "was added successfully" in text and "Someone else changed" not in text

    admin_page.check("the new agent's page", reverse("admin:agents_agent_change", args=[agent.pk]))
    page.click("#agent-edit-link")  # the page is about the agent; its form is behind "Edit"
    admin_page.assert_clean("the new agent's edit form", admin_page.settle())
    page.fill("#id_name", "Typed Buyer (renamed)")
    text = _save(admin_page, "the agent list after changing")
    agent.refresh_from_db()
    assert (agent.name, agent.version) == ("Typed Buyer (renamed)", 2)
    assert "was changed successfully" in text
