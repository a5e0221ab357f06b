"""The API's own HTML pages in Chromium: the browsable API (for staff) and Swagger UI at the schema docs URL
render with no CSP violation, console error or failed request (tests/support/browser.py), and fit the window.

Both ship inline styles (DRF's ``style="float: right"`` attributes, Swagger UI's ``<style>`` block and inline
init script); the project's overrides in templates/rest_framework/ and templates/drf_spectacular/ serve them
from files instead, so the CSP ``default-src 'self'`` holds on every page.
"""

from __future__ import annotations

from django.urls import reverse

from tests.support.factories import AgentFactory


def test_the_browsable_api_has_no_csp_violation(admin_page):
    agent = AgentFactory()
    for what, path in (("the API root", "/api/v1/"), ("the agent list", "/api/v1/agents/"),
                       ("an agent", f"/api/v1/agents/{agent.pk}/"), ("the message list", "/api/v1/messages/"),
                       ("the organization list", "/api/v1/organizations/")):
        admin_page.check(what, path)
        assert admin_page.page.locator(".content-main h1").count() == 1, f"{what} is not the browsable page"
        width = admin_page.page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"{what} is wider than the window: {width}"
        if path.startswith("/api/v1/agents/"):
            assert agent.name in admin_page.text()


def test_swagger_ui_renders_with_no_csp_violation(admin_page):
    problems = admin_page.visit(reverse("api-docs"))
    page = admin_page.page
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)  # the schema was fetched and drawn
    page.locator(".opblock-summary").first.click()  # an operation opened, as a reader would
    page.wait_for_selector(".opblock-body", timeout=10_000)
    problems += admin_page.settle()
    admin_page.assert_clean("Swagger UI", problems)
    assert "MABOS API" in admin_page.text()
