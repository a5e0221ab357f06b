"""An agent's page and its send form in a real browser (issue 19, parts 3 and 4).

A person opens an agent's page, reads its status badge (coloured by agent_page.css: a class, which the CSP
allows), clicks "Send a message", chooses a recipient by name, types JSON, sends, and lands on the message's
page; then pauses the agent with a reason. No console error, failed request or CSP violation on the way,
and no page wider than the 1440 px screen.
"""

from __future__ import annotations

from django.urls import reverse

from agents.models import AgentKind, Message
from auditlog.models import AuditEvent
from tests.support.factories import AgentFactory, AgentRoleFactory, OrganizationFactory


def _no_overflow(admin_page, what: str) -> None:
    wide = admin_page.page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, f"{what} is wider than the screen"


def test_an_agent_page_sends_a_message_through_its_form(admin_page):
    org = OrganizationFactory(name="Browser Retailer")
    role = AgentRoleFactory(organization=org, name="Chief")
    ceo = AgentFactory(organization=org, role=role, name="CEO", slug="ceo", kind=AgentKind.EXTERNAL)
    cfo = AgentFactory(organization=org, role=role, name="CFO", slug="cfo", kind=AgentKind.EXTERNAL)
    page = admin_page.page
    page.set_viewport_size({"width": 1440, "height": 900})

    admin_page.check("the agent's page", reverse("admin:agents_agent_change", args=[ceo.pk]))
    badge = page.locator("#agent-status")
    assert badge.inner_text().strip().lower() == "active"
    colour = badge.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour not in ("", "rgba(0, 0, 0, 0)", "transparent"), f"agent_page.css did not colour the badge: {colour}"
    assert page.locator("#agent_form").count() == 0, "the page is not the edit form"
    _no_overflow(admin_page, "the agent's page")

    page.click("#agent-send-link")
    admin_page.assert_clean("the send form", admin_page.settle())
    page.select_option("#id_performative", "request")
    page.select_option("#id_to", label="CFO")
    page.fill("#id_content", '{"text": "Budget figures, please"}')
    page.click("input[name=_send]")
    admin_page.assert_clean("the message's page after the send", admin_page.settle())
    message = Message.objects.get(sender_agent=ceo)
    assert page.url.endswith(reverse("admin:agents_message_change", args=[message.pk])), page.url
    text = admin_page.text()
    assert "Sent request as CEO to 1 recipient(s)." in text and "Budget figures, please" in text
    assert list(message.deliveries.values_list("recipient_id", flat=True)) == [cfo.pk]
    assert AuditEvent.objects.filter(target_id=str(message.pk), actor_id=str(admin_page.user.pk)).exists()

    admin_page.check("the agent's page again", reverse("admin:agents_agent_change", args=[ceo.pk]))
    assert "Budget figures, please" in page.locator("#agent-messages-out").inner_text()
    page.fill("#id_reason_pause", "browser test: a quiet week")
    page.click("#agent-pause-form input[type=submit]")
    admin_page.assert_clean("the agent's page after pausing", admin_page.settle())
    assert page.locator("#agent-status").inner_text().strip().lower() == "paused"
    ceo.refresh_from_db()
    assert ceo.status == "paused"


def test_from_the_messages_list_a_bad_json_content_is_shown_on_its_field(admin_page):
    org = OrganizationFactory(name="Browser Typos")
    ceo = AgentFactory(organization=org, name="CEO", slug="ceo", kind=AgentKind.EXTERNAL)
    AgentFactory(organization=org, name="CFO", slug="cfo", kind=AgentKind.EXTERNAL)
    admin_page.check("the message list", reverse("admin:agents_message_changelist"))
    page = admin_page.page
    page.click("#send-a-message")  # the messages list asks for the agent to speak as first
    admin_page.assert_clean("the choice of sender", admin_page.settle())
    page.select_option("#id_sender", str(ceo.pk))
    page.click("#send_choose_form input[type=submit]")
    admin_page.assert_clean("the send form", admin_page.settle())
    assert page.url.endswith(reverse("admin:agents_agent_send", args=[ceo.pk])), page.url
    page.select_option("#id_to", label="CFO")
    page.fill("#id_content", '{"text": ')
    page.click("input[name=_send]")
    page.wait_for_load_state("load")
    problems = admin_page.settle()  # the refused form answers 400, which Chromium may log; nothing else
    admin_page.assert_clean("the refused send form", [p for p in problems if "status of 400" not in p])
    assert "Not valid JSON" in page.locator(".field-content .errorlist").inner_text()
    assert not Message.objects.filter(sender_agent=ceo).exists()
