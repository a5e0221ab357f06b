"""The admin pages in a real browser (Debian's Chromium through Playwright), the way a person sees them.

A staff superuser logs in through the admin's login form (conftest.py), then each test opens pages of one
part of the admin on pytest-django's live server, checks what the page shows, and asserts that the
browser saw no console error, no uncaught exception, no failed request or static asset >= 400, and no
Content-Security-Policy violation (the CSP is django-csp's, config/settings/security.py; static files
are served by the live server). tests/support/browser.py collects those.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from agents.agent.services.lifecycle import agent_pause
from agents.messaging.models import Delivery
from agents.messaging.services.dead_letters import dead_letter
from agents.onboarding.services import organization_onboard
from agents.reasoning.plans.models import Plan
from agents.reasoning.services.beliefs import belief_set
from agents.reasoning.services.goals import goal_create
from tests.support.actors import SYSTEM
from tests.support.messaging import send
from tests.support.mind import CycleTraceFactory, IntentionFactory, frame, plan_version

#: The plan of docs/reasoning.md's "Text form" section (its plans use only what any organization may).
PLAN_TEXT = """\
# comments: from # to the end of the line, or /* … */
@cut_costs[atomic, order(3)]
+!keep_runway(Months) : cash < 3 * monthly_costs
    <- !cut_costs;
       .send(cfo, inform, {"runway": Months});
       if (Months < 2) { .send(ceo, inform, "runway short") } else { +cost_cut }.

-!keep_runway <- .send(ceo, failure, "no runway plan worked").
"""


@pytest.fixture
def retailer():
    """An onboarded organization with a CEO and a CFO, a conversation between them and one dead letter; the
    CFO believes what the plan of the text form reads (cash, monthly_costs)."""
    org = organization_onboard(name="Browser Retailer", industry="retail", by=SYSTEM, size="small",
                               description="A shop the browser tests look at.", roles=["ceo", "cfo"])
    ceo, cfo = org.agents.get(role__slug="ceo"), org.agents.get(role__slug="cfo")
    for key, value in (("cash", 120000), ("monthly_costs", 30000)):
        belief_set(agent=cfo, key=key, value=value, confidence=1.0, source="browser test", by=SYSTEM)
    question = send(ceo, to=[cfo.pk], performative="request", content={"text": "what is our runway?"}).message
    send(cfo, to=[ceo.pk], content={"runway_months": 7}, conversation_id=question.conversation_id,
         in_reply_to=question)
    with transaction.atomic():  # dead before it commits: the suite's Celery worker may be running, and
        # would otherwise deliver it first (the wake-up is published on commit)
        lost = send(ceo, to=[cfo.pk], content={"text": "this one is lost"}).message
        assert dead_letter(delivery_id=Delivery.objects.get(message=lost, recipient=cfo).pk,
                           reason="recipient unreachable")
    return {"org": org, "ceo": ceo, "cfo": cfo, "question": question}


def test_admin_index_and_the_audit_log(admin_page):
    admin_page.check("the admin index", reverse("admin:index"))
    assert "Site administration" in admin_page.text() or "MABOS" in admin_page.text()
    admin_page.check("the audit log", reverse("admin:auditlog_auditevent_changelist"))
    assert "browser-admin" in admin_page.text(), "the audit log lists the admin login that just happened"


def test_onboarding_through_the_form_shows_the_organization_and_its_agents(admin_page):
    admin_page.check("the organization list", reverse("admin:agents_organization_changelist"))
    admin_page.check("the onboarding page", reverse("admin:agents_organization_onboard"))
    page = admin_page.page
    page.fill("#id_name", "Clicked Bakery")
    page.fill("#id_industry", "bakery")
    page.fill("#id_description", "A bakery onboarded by clicking through the admin.")
    page.select_option("#id_size", "small")
    page.fill("#id_markets", "Berlin, Hamburg")
    page.check("input[name=roles][value=ceo]")
    page.check("input[name=roles][value=cfo]")
    page.click("input[type=submit][value=Onboard]")
    admin_page.assert_clean("the onboarded organization's page", admin_page.settle())
    assert "/change/" in page.url, f"onboarding did not lead to the organization's page: {page.url}"
    text = admin_page.text()
    assert "Onboarded Clicked Bakery with 2 agents." in text
    agent_names = page.locator(".inline-group").inner_text()
    assert "ceo" in agent_names.lower() and "cfo" in agent_names.lower(), agent_names


def test_agent_pages(admin_page, retailer):
    cfo = retailer["cfo"]
    # Paused, as an operator would to look at its mind: the suite's worker may be running, and would
    # otherwise run the cycle over this hand-made intention.
    agent_pause(agent=cfo, by=SYSTEM)
    runway = goal_create(agent=cfo, name="keep_runway", by=SYSTEM)
    trim = goal_create(agent=cfo, name="trim_spend", parent=runway, by=SYSTEM)
    version = plan_version(retailer["org"])
    IntentionFactory(agent=cfo, goal=runway, stack=[frame(version, pc=[0], bindings={"Months": 2}, goal=runway.pk),
                                                    frame(version, pc=[2, "else", 0], goal=trim.pk)])
    CycleTraceFactory(agent=cfo, cycle=3)
    admin_page.check("the agent list", reverse("admin:agents_agent_changelist"))
    assert cfo.name in admin_page.text()
    admin_page.check("an agent's edit form", reverse("admin:agents_agent_change", args=[cfo.pk]) + "?edit=1")
    page = admin_page.page
    for inline in ("beliefs", "goals", "memberships", "subscriptions"):
        assert page.locator(f"#{inline}-group").count() == 1, f"the {inline} inline is missing"
    admin_page.check("an agent's page", reverse("admin:agents_agent_change", args=[cfo.pk]))
    text = admin_page.text().lower()  # the admin's labels are upper-cased by its CSS
    assert "messages in" in text and "request" in text
    assert "pending events" in text
    assert "monthly_costs" in text, "the beliefs table shows the CFO's beliefs"
    # Its mind: the goal tree, the live intention's stack, the last cycle in words; styled by mind.css (a
    # class, which the CSP allows), so a sub-goal is indented.
    for section in ("#mind", "#mind-goals", "#mind-intentions", "#mind-trace"):
        assert page.locator(section).is_visible(), f"{section} is not visible"
    goals = page.locator("#mind-goals").inner_text()
    assert "keep_runway" in goals and "trim_spend" in goals
    stack = page.locator("#mind-intentions").inner_text()
    assert "cut_costs" in stack and "body[2].else[0]" in stack and "+cost_cut" in stack, stack
    trace = page.locator("#mind-trace").inner_text()
    assert "took event goal_added keep_runway (from user alice)" in trace, trace
    indent = page.locator("#mind-goals .mind-depth-1").first.evaluate("cell => getComputedStyle(cell).paddingLeft")
    assert indent not in ("", "0px"), f"the sub-goal is not indented ({indent!r}): mind.css did not apply"


def test_message_pages_and_dead_letters(admin_page, retailer):
    admin_page.check("the message list", reverse("admin:agents_message_changelist"))
    admin_page.check("a message's page", reverse("admin:agents_message_change", args=[retailer["question"].pk]))
    text = admin_page.text()
    assert "what is our runway?" in text and "runway_months" in text, "the conversation timeline shows both"
    admin_page.page.click("#conversation-diagram-link")
    admin_page.assert_clean("the conversation's sequence diagram", admin_page.settle())
    assert admin_page.page.locator("#conversation-diagram svg.seq").count() == 1
    admin_page.check("the dead letters", reverse("admin:agents_deadletter_changelist"))
    assert "recipient unreachable" in admin_page.text()


def test_a_plan_added_as_text_shows_its_versions(admin_page, retailer):
    admin_page.check("the plan add page", reverse("admin:agents_plan_add"))
    page = admin_page.page
    page.select_option("#id_organization", str(retailer["org"].pk))
    page.fill("#id_text", PLAN_TEXT)
    page.click("input[name=_continue]")
    problems = admin_page.settle()
    assert Plan.objects.filter(organization=retailer["org"]).count() == 2, admin_page.text()
    admin_page.assert_clean("a new plan's page", problems)
    assert "/change/" in page.url, f"saving did not lead to the plan's page: {page.url}"
    versions = page.locator(".inline-group").inner_text()
    assert "keep_runway" in versions and "cut_costs" in versions, versions


def test_approval_requests_are_listed_shown_and_approved_with_the_action(admin_page, retailer):
    from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
    from tests.support.approvals import approval_request

    cfo = retailer["cfo"]
    agent_pause(agent=cfo, by=SYSTEM)  # the suite's worker must not reason over the approval event
    CycleTraceFactory(agent=cfo, cycle=3)
    request = approval_request(cfo, question="Pay the 900 EUR invoice of Acme?")
    admin_page.check("the approval list", reverse("admin:agents_approvalrequest_changelist"))
    assert "payment" in admin_page.text()
    admin_page.check("an approval's page", reverse("admin:agents_approvalrequest_change", args=[request.pk]))
    text = admin_page.text()
    assert "Pay the 900 EUR invoice of Acme?" in text and "plan `pay`, step body[0]" in text
    admin_page.check("the approval list again", reverse("admin:agents_approvalrequest_changelist"))
    page = admin_page.page
    page.check(f"input[name=_selected_action][value='{request.pk}']")
    page.select_option("select[name=action]", "approve")
    page.click("button[name=index]")
    admin_page.assert_clean("the list after approving", admin_page.settle())
    assert "Approved 1 request(s)" in admin_page.text()
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.APPROVED


def test_a_protocol_run_shows_its_sequence_diagram(admin_page, retailer):
    from tests.support.protocols import protocol_run

    run = protocol_run(organization=retailer["org"])
    agent_pause(agent=run.initiator, by=SYSTEM)  # the suite's worker must not reason over the run meanwhile
    admin_page.check("the protocol run list", reverse("admin:agents_protocolrun_changelist"))
    assert "fipa-request" in admin_page.text()
    admin_page.check("a protocol run's page", reverse("admin:agents_protocolrun_change", args=[run.pk]))
    page = admin_page.page
    assert page.locator("svg.seq").count() == 1, "the run page draws its sequence diagram"
    labels = page.locator("svg.seq .seq-label").all_text_contents()  # SVG text: no inner text
    assert [label.split()[0] for label in labels] == ["request"], labels
    assert "awaiting response" in page.locator("svg.seq .seq-state").first.text_content()
    admin_page.check("the reply form", reverse("admin:agents_protocolrun_reply", args=[run.pk]))
