"""Granting access from an organization's page in a real browser (issue 19, part 2).

An administrator opens the organization, types an operator's name, ticks view and operate, clicks Grant, and
lands back on the page with the grant listed; the operator then logs in and finds that organization (and only
it) in the list. No console error, failed request or CSP violation on the way (tests/support/browser.py).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts.object_permissions import has_object_permission
from tests.support.api import PASSWORD, create_user
from tests.support.browser import WatchedPage
from tests.support.factories import OrganizationFactory


def test_an_administrator_grants_an_operator_view_and_operate_from_the_organization_page(admin_page, chromium,
                                                                                           live_server):
    org = OrganizationFactory(name="Granted Grocer")
    OrganizationFactory(name="Hidden Hardware")
    operator = create_user("olga-operator", roles=("operator",), is_staff=True)
    change_url = reverse("admin:agents_organization_change", args=[org.pk])
    admin_page.check("the organization's page", change_url)
    page = admin_page.page
    assert "No grant on this object itself." in page.inner_text("#grants-direct")
    page.fill("#id_grant_user", "olga-operator")
    page.check("#grant-form input[name=verbs][value=view]")
    page.check("#grant-form input[name=verbs][value=operate]")
    page.click("#grant-submit")
    admin_page.assert_clean("the organization's page after granting", admin_page.settle())
    assert page.url.endswith(change_url), page.url
    rows = page.locator("#grants-direct tbody tr.grant-row").all_inner_texts()
    assert sorted(" ".join(row.split()) for row in rows) == ["olga-operator user operate Revoke",
                                                             "olga-operator user view Revoke"]
    assert "Granted view, operate on Granted Grocer to olga-operator." in admin_page.text()
    assert has_object_permission(operator, "operate", org) and not has_object_permission(operator, "change", org)

    context = chromium.new_context(base_url=live_server.url)
    try:
        watched = WatchedPage.open(context, live_server.url, settings.STATIC_URL)
        watched.check("the login page", "/admin/login/?next=/admin/")
        watched.page.fill("#id_username", operator.username)
        watched.page.fill("#id_password", PASSWORD)
        watched.page.click("input[type=submit]")
        watched.assert_clean("the operator's index", watched.settle())
        assert "You hold no access" not in watched.text()
        watched.check("the operator's organization list", reverse("admin:agents_organization_changelist"))
        listed = watched.text()
        assert "Granted Grocer" in listed and "Hidden Hardware" not in listed
        watched.check("the operator's view of the organization", change_url)
        assert watched.page.locator("#grant-form").count() == 0  # an operator reads the grants, cannot grant
        assert "olga-operator" in watched.page.inner_text("#grants-direct")
    finally:
        context.close()
