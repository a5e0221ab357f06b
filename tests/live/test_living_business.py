"""The living business, in a browser, against `make run` (real gunicorn, worker, beat, the external supplier):
what issue 17 promises a newcomer who runs it and logs in.

- Within 60 s of the printed URL answering, the dashboard shows messages per minute above zero, running
  intentions and a pending approval (the CFO asking a person to approve the COO's restock);
- its figures change by themselves (the page's own script, no reload);
- approving on the dashboard makes the CFO's intention continue and the COO order;
- the CFO's mind (its agent page) and the call for bids' sequence diagram open;
- a business onboarded through the admin form acts: its agents run intentions;
- no page visited has a console error, a failed request or a CSP violation.

Each page is saved as a screenshot (tests/live/conftest.py says where). The API (as the admin) is read only to
know which ids to open; what is asserted is what the browser shows.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.support.browser import WatchedPage
from tests.support.make_run import BASE, LiveApi
from tests.support.polling import wait_until

pytestmark = pytest.mark.processes

#: The promise: this long after the printed URL answers, a business is visibly at work.
ALIVE_WITHIN_SECONDS = 60.0


@pytest.fixture(scope="module")
def api(make_run) -> LiveApi:
    return LiveApi(BASE, make_run.admin_password())


@pytest.fixture(scope="module")
def browser(chromium, make_run, screenshots):
    """The admin, logged in by typing the password `make run` printed into the login form."""
    context = chromium.new_context(base_url=BASE, viewport={"width": 1440, "height": 1000})
    watched = WatchedPage.open(context, BASE, settings.STATIC_URL)
    watched.assert_clean("the login page", watched.visit("/admin/login/?next=/admin/"))
    watched.shots = screenshots
    shoot(watched, "login")
    watched.page.fill("#id_username", "admin")
    watched.page.fill("#id_password", make_run.admin_password())
    watched.page.click("input[type=submit]")
    watched.assert_clean("the dashboard after logging in", watched.settle())
    assert watched.page.url == f"{BASE}/admin/", watched.page.url
    yield watched
    context.close()


def shoot(browser: WatchedPage, name: str, selector: str = "#content") -> Path:
    """The part of the page a person looks at (``selector``), without the admin's chrome around it."""
    path = browser.shots / f"{name}.png"
    browser.page.locator(selector).screenshot(path=str(path))
    return path


def figure(browser: WatchedPage, element_id: str) -> int:
    """A number the dashboard shows, as the page has it now (0 when the figure is not on the page)."""
    locator = browser.page.locator(f"#{element_id}")
    if locator.count() == 0:
        return 0
    return int(re.sub(r"[^\d]", "", locator.inner_text()) or 0)


def demo_agent(api: LiveApi, slug: str) -> dict[str, Any]:
    """The demo's agent of that slug (the docs' first conversation adds an external agent of the CFO's role)."""
    return next(agent for agent in api.get(f"/agents/?role_slug={slug}&page_size=50")["results"]
                if agent["slug"] == slug)


def cfo_pending_approval(api: LiveApi) -> dict[str, Any] | None:
    cfo = demo_agent(api, "cfo")
    pending = api.get(f"/approvals/?status=pending&agent={cfo['id']}")["results"]
    return pending[0] if pending else None


def test_within_a_minute_the_dashboard_shows_a_business_at_work(browser, make_run):
    seen: dict[str, int] = {}

    def alive() -> bool:
        browser.assert_clean("the dashboard", browser.visit("/admin/"))
        seen.update({name: figure(browser, f"mabos-{name}") for name in
                     ("messages-total", "intentions-running", "intentions-waiting", "approvals-total")})
        return (seen["messages-total"] > 0 and seen["intentions-running"] + seen["intentions-waiting"] > 0
                and seen["approvals-total"] > 0)

    left = ALIVE_WITHIN_SECONDS - (time.monotonic() - make_run.serving_at)
    try:
        wait_until(alive, timeout=max(left, 1.0), interval=2.0,
                   message=f"the dashboard showing messages, live intentions and an approval within "
                           f"{ALIVE_WITHIN_SECONDS:.0f} s of make run serving")
    except AssertionError as failed:
        terminal = "\n".join(line for line in make_run.text().splitlines()[-400:] if "GET /static/" not in line)
        raise AssertionError(f"{failed}; the dashboard showed {seen}:\n{browser.text()[:3000]}\n"
                             f"make run's terminal, last lines:\n{terminal}") from None
    print(f"alive {time.monotonic() - make_run.serving_at:.1f} s after the URL answered: {seen}")
    assert "CFO" in browser.page.locator("#mabos-approvals-table").inner_text()
    shoot(browser, "dashboard", "#mabos-dashboard")


def test_no_goal_of_the_demo_is_pursued_by_two_intentions(api):
    """Each goal_added is handled once: on SQLite (make run's default) a plan added after a goal's event used to
    post that goal again, and the goal got a second intention (two subscriptions to the digest ...)."""
    demo = api.get("/agents/?role_slug=ceo&page_size=50")["results"][0]["organization"]
    twice = []
    for agent in api.get(f"/agents/?organization={demo}&kind=internal&page_size=100")["results"]:
        goals = [row["goal"] for row in api.get(f"/agents/{agent['id']}/intentions/?page_size=200")["results"]
                 if row["trigger_kind"] == "goal_added"]
        twice += [(agent["slug"], goal) for goal in set(goals) if goals.count(goal) > 1]
    assert twice == []


def test_the_dashboard_refreshes_itself(browser):
    browser.assert_clean("the dashboard", browser.visit("/admin/"))
    before = browser.page.locator("#mabos-dashboard").inner_text()
    # No reload here: the page's own script fetches the figures again (every 10 s) and swaps them in.
    wait_until(lambda: browser.page.locator("#mabos-dashboard").inner_text() != before, timeout=45, interval=1.0,
               message="the dashboard's figures changing without a reload")
    browser.assert_clean("the refreshed dashboard", browser.settle())


def test_approving_on_the_dashboard_lets_the_cfo_continue_and_the_coo_order(browser, api):
    approval = wait_until(lambda: cfo_pending_approval(api), timeout=30, interval=1.0,
                          message="the CFO's approval request")
    cfo, intention = approval["agent"], approval["intention"]
    waiting = api.get(f"/agents/{cfo}/intentions/{intention}/")
    assert waiting["status"] == "waiting", waiting
    browser.assert_clean("the dashboard", browser.visit("/admin/"))
    row = browser.page.locator(f"#mabos-approval-{approval['id']}")
    row.locator("button.mabos-approve").click()
    browser.assert_clean("the dashboard after approving", browser.settle())
    assert "approved" in browser.text().lower(), browser.text()[:2000]

    def continued() -> bool:
        found = api.get(f"/agents/{cfo}/intentions/{intention}/")
        return found["status"] != "waiting" or found["wait"] != waiting["wait"]

    wait_until(continued, timeout=30, interval=0.5, message="the CFO's intention continuing after the approval")
    coo = demo_agent(api, "coo")["id"]

    def ordered() -> bool:
        beliefs = api.get(f"/agents/{coo}/beliefs/?page_size=100")["results"]
        return any(b["key"] == "stock.last_supplier" for b in beliefs)

    wait_until(ordered, timeout=60, interval=1.0, message="the COO placing the approved order")


def test_the_cfos_mind_and_the_call_for_bids_diagram_open(browser, api):
    cfo = demo_agent(api, "cfo")
    browser.assert_clean("the CFO's page", browser.visit(f"/admin/agents/agent/{cfo['id']}/change/"))
    shoot(browser, "agent-page")
    mind = browser.page.locator("#mind").inner_text()
    assert "intention" in mind.lower() and "cycle" in mind.lower(), mind[:1000]
    shoot(browser, "agent-mind", "#mind")
    runs = api.get("/protocols/?page_size=50")["results"]
    cfp = next(run for run in runs if run["protocol"] == "fipa-contract-net")
    browser.assert_clean("the call for bids", browser.visit(f"/admin/agents/protocolrun/{cfp['id']}/change/"))
    diagram = browser.page.locator("#conversation-diagram")
    assert diagram.count() == 1 and "cfp" in diagram.inner_text().lower()
    shoot(browser, "conversation-diagram", "#conversation-diagram")


def test_a_business_onboarded_through_the_admin_form_acts(browser, api):
    browser.assert_clean("the onboarding form", browser.visit("/admin/agents/organization/onboard/"))
    shoot(browser, "onboarding-form")
    page = browser.page
    page.fill("#id_name", "Corner Bakery")
    page.fill("#id_industry", "bakery")
    page.fill("#id_description", "A neighbourhood bakery onboarded by clicking through the admin.")
    page.select_option("#id_size", "small")
    page.fill("#id_markets", "Berlin")
    for role in ("ceo", "cfo", "cmo", "knowledge"):
        page.check(f"input[name=roles][value={role}]")
    page.click("input[type=submit][value=Onboard]")
    browser.assert_clean("the onboarded organization", browser.settle())
    assert "Onboarded Corner Bakery with 4 agents." in browser.text()
    org = re.search(r"/organization/([0-9a-f-]{36})/change/", page.url).group(1)
    shoot(browser, "onboarded-organization")

    def acting() -> bool:
        agents = api.get(f"/agents/?organization={org}&page_size=50")["results"]
        return sum(len(api.get(f"/agents/{a['id']}/intentions/?page_size=5")["results"]) > 0 for a in agents) >= 3

    wait_until(acting, timeout=60, interval=1.0, message="the onboarded bakery's agents running intentions")
    browser.assert_clean("the bakery's org chart", browser.visit(f"/admin/agents/organization/{org}/chart/"))
    assert "Corner Bakery" in browser.text()
    shoot(browser, "org-chart")
