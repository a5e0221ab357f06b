"""The operator's first session, end to end in Chromium (issue 19, "Checked by").

An administrator grants an operator access to one organization from its page; the operator logs in, finds
that organization and no other, opens an agent from the organization's agents, sends a message from the
agent's page, opens the conversation, pauses the agent with a reason and finds that in the agent's history.
Every page on the way, for both people, is clean (no console error, failed request or CSP violation:
tests/support/browser.py) and fits a 1440 x 900 screen without horizontal scroll.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from agents.models import AgentKind, AgentStatus, Message
from tests.support.api import PASSWORD, create_user
from tests.support.browser import WatchedPage
from tests.support.factories import AgentFactory, AgentRoleFactory, OrganizationFactory

SCREEN = {"width": 1440, "height": 900}


def _visited(watched: WatchedPage, what: str, problems: list[str]) -> None:
    """The page just shown is clean and no wider than the screen."""
    watched.assert_clean(what, problems)
    width = watched.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SCREEN["width"], f"{what} ({watched.page.url}) is {width} px wide on a {SCREEN['width']} px screen"


def _click(watched: WatchedPage, what: str, selector: str) -> None:
    watched.page.click(selector)
    _visited(watched, what, watched.settle())


def test_an_operator_granted_one_organization_sends_from_an_agent_page_and_reads_its_history(
        admin_page, chromium, live_server):
    org = OrganizationFactory(name="Console Company")
    OrganizationFactory(name="Someone Else Ltd")
    role = AgentRoleFactory(organization=org, name="Chief")
    ceo = AgentFactory(organization=org, role=role, name="CEO", slug="ceo", kind=AgentKind.EXTERNAL)
    cfo = AgentFactory(organization=org, role=role, name="CFO", slug="cfo", kind=AgentKind.EXTERNAL)
    operator = create_user("oscar-operator", roles=("operator",), is_staff=True)

    # The administrator grants from the organization's page.
    admin_page.page.set_viewport_size(SCREEN)
    org_url = reverse("admin:agents_organization_change", args=[org.pk])
    _visited(admin_page, "the organization's page", admin_page.visit(org_url))
    admin_page.page.fill("#id_grant_user", operator.username)
    admin_page.page.check("#grant-form input[name=verbs][value=view]")
    admin_page.page.check("#grant-form input[name=verbs][value=operate]")
    _click(admin_page, "the organization's page after granting", "#grant-submit")
    assert "Granted view, operate on Console Company to oscar-operator." in admin_page.text()

    context = chromium.new_context(base_url=live_server.url, viewport=SCREEN)
    try:
        watched = WatchedPage.open(context, live_server.url, settings.STATIC_URL)
        page = watched.page
        # The operator logs in and finds the one organization.
        _visited(watched, "the login page", watched.visit("/admin/login/?next=/admin/"))
        page.fill("#id_username", operator.username)
        page.fill("#id_password", PASSWORD)
        _click(watched, "the operator's admin index", "input[type=submit]")
        assert "You hold no access" not in watched.text()
        _visited(watched, "the organizations", watched.visit(reverse("admin:agents_organization_changelist")))
        assert "Console Company" in watched.text() and "Someone Else Ltd" not in watched.text()

        # From the agents of that organization to the CEO's page, by clicking.
        agents = reverse("admin:agents_agent_changelist") + f"?organization__id__exact={org.pk}"
        _visited(watched, "the organization's agents", watched.visit(agents))
        _click(watched, "the CEO's page", f"#result_list a[href*='{ceo.pk}']")
        assert reverse("admin:agents_agent_change", args=[ceo.pk]) in page.url, page.url

        # Sends from the agent's page.
        _click(watched, "the send form", "#agent-send-link")
        page.select_option("#id_performative", "request")
        page.select_option("#id_to", label="CFO")
        page.fill("#id_content", '{"question": "How long is our runway?"}')
        _click(watched, "the message's page after the send", "input[name=_send]")
        message = Message.objects.get(sender_agent=ceo)
        assert list(message.deliveries.values_list("recipient_id", flat=True)) == [cfo.pk]
        assert "How long is our runway?" in watched.text()

        # Opens the conversation from the messages list.
        _visited(watched, "the messages list", watched.visit(reverse("admin:agents_message_changelist")))
        _click(watched, "the conversation", f"#result_list a[title='{message.conversation_id}']")
        assert "#conversation-timeline" in page.url
        assert "How long is our runway?" in page.inner_text("#conversation-timeline")

        # Pauses the CEO with a reason and finds it in the agent's history.
        _visited(watched, "the CEO's page again", watched.visit(reverse("admin:agents_agent_change", args=[ceo.pk])))
        page.fill("#id_reason_pause", "first session: a quiet week")
        _click(watched, "the CEO's page after pausing", "#agent-pause-form input[type=submit]")
        ceo.refresh_from_db()
        assert ceo.status == AgentStatus.PAUSED
        _click(watched, "the CEO's history", "a.historylink")
        history = page.inner_text("#audit-history")
        assert "oscar-operator" in history and "first session: a quiet week" in history
    finally:
        context.close()
