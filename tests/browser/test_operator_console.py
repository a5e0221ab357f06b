"""The operator console in Chromium: the dashboard refreshes its figures by itself (its same-origin script swaps
them in, no reload) and approves from the page, the org chart and an agent's page open, and no page logs a
console error or a CSP violation (tests/support/browser.py collects them)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agents.models import AgentKind
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from mabos.dashboard import figures
from tests.support.approvals import approval_request
from tests.support.factories import AgentFactory, AgentGroupFactory, MembershipFactory, OrganizationFactory
from tests.support.messaging import send
from tests.support.polling import wait_until


@pytest.fixture
def console(monkeypatch):
    """A small company with a reporting line, a team and an approval waiting; the dashboard refreshing every
    second (the live server runs in this process, so the page reads the patched pace)."""
    monkeypatch.setattr(figures, "REFRESH_SECONDS", 1)
    org = OrganizationFactory(name="Console Co")
    ceo = AgentFactory(organization=org, name="Console CEO")
    cfo = AgentFactory(organization=org, name="Console CFO", supervisor=ceo)
    inbox = AgentFactory(organization=org, name="Console Inbox", kind=AgentKind.EXTERNAL)  # no cycle runs for it
    team = AgentGroupFactory(organization=org, name="Leadership")
    MembershipFactory(group=team, agent=ceo, role="leader")
    MembershipFactory(group=team, agent=cfo)
    request = approval_request(cfo, name="pay_invoice", question="Pay the 900 EUR invoice?")
    return {"org": org, "ceo": ceo, "cfo": cfo, "inbox": inbox, "request": request}


def test_the_dashboard_refreshes_itself_and_approves_and_every_page_is_clean(admin_page, console):
    page = admin_page.page
    admin_page.check("the dashboard", reverse("admin:index"))
    before = int(page.inner_text("#mabos-messages-total"))
    page.evaluate("() => { window.__sameDocument = true; }")

    send(console["inbox"], to=[console["inbox"].pk], content={"text": "a figure to change"})

    wait_until(lambda: int(page.inner_text("#mabos-messages-total")) == before + 1, timeout=15,
               message="the dashboard's message count follows the new message")
    assert page.evaluate("() => window.__sameDocument === true"), "the figures were swapped in, not reloaded"
    assert page.evaluate("() => document.documentElement.hasAttribute('data-mabos-refreshed')")
    admin_page.assert_clean("the dashboard after refreshing itself", admin_page.settle())

    # While a person is on a form of the dashboard (here: focus on a button), it stays as it is.
    page.focus(f"#mabos-approval-{console['request'].pk} button.mabos-approve")
    stamp = page.evaluate("() => document.documentElement.getAttribute('data-mabos-refreshed')")
    send(console["inbox"], to=[console["inbox"].pk], content={"text": "while the person decides"})
    page.wait_for_timeout(2500)  # two and a half refresh periods: a refresh would have happened by now
    assert page.evaluate("() => document.documentElement.getAttribute('data-mabos-refreshed')") == stamp
    assert int(page.inner_text("#mabos-messages-total")) == before + 1, "no refresh while a form is in use"
    page.evaluate("() => document.activeElement.blur()")
    wait_until(lambda: int(page.inner_text("#mabos-messages-total")) == before + 2, timeout=15,
               message="the refresh resumes once the person leaves the form")

    row = page.locator(f"#mabos-approval-{console['request'].pk}")
    assert "Pay the 900 EUR invoice?" in row.inner_text()
    row.locator("button.mabos-approve").click()
    admin_page.assert_clean("the dashboard after an approval", admin_page.settle())
    assert "Approved “pay_invoice” of Console CFO (Console Co)." in admin_page.text()
    assert ApprovalRequest.objects.get(pk=console["request"].pk).status == ApprovalStatus.APPROVED

    admin_page.check("the org chart", reverse("admin:agents_organization_chart", args=[console["org"].pk]))
    tree = page.inner_text("#orgchart-tree")
    assert "Console CEO" in tree and "Console CFO" in tree
    assert page.locator("#orgchart-tree .orgchart-node .orgchart-node").count() == 1, "the CFO under the CEO"
    page.click(f"#orgchart-tree #orgchart-agent-{console['cfo'].pk}")
    admin_page.assert_clean("an agent's page, from the org chart", admin_page.settle())
    assert page.url.endswith(reverse("admin:agents_agent_change", args=[console["cfo"].pk]))
    assert page.locator("#mind").is_visible()
