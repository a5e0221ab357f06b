"""The browser tests' fixtures: one Chromium for the package, a staff superuser logged in through the admin's
login form on pytest-django's live server, and a small world to look at."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.support.api import PASSWORD, create_user
from tests.support.browser import WatchedPage, chromium_start


@pytest.fixture(scope="package")
def chromium():
    """One headless Debian Chromium for all browser tests (stopped when they are done, so that Playwright's
    event loop is not left running under the rest of the suite)."""
    with chromium_start() as browser:
        yield browser


@pytest.fixture
def admin_page(chromium, live_server):
    """A staff superuser, logged in by typing into the admin's login form (django-axes and the login
    receivers see a real login); the page watched for console errors, failed requests and CSP violations.

    ``live_server`` runs a transactional database: what the test creates is committed, so the server
    thread sees it, and the tables are flushed afterwards.
    """
    user = create_user("browser-admin", is_staff=True, is_superuser=True)
    context = chromium.new_context(base_url=live_server.url)
    watched = WatchedPage.open(context, live_server.url, settings.STATIC_URL)
    problems = watched.visit("/admin/login/?next=/admin/")
    watched.page.fill("#id_username", user.username)
    watched.page.fill("#id_password", PASSWORD)
    watched.page.click("input[type=submit]")
    problems += watched.settle()
    watched.assert_clean("the admin login", problems)
    assert watched.page.url.endswith("/admin/"), f"the login did not reach the admin index: {watched.page.url}"
    watched.user = user
    yield watched
    context.close()
