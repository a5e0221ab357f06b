"""The API's own HTML pages carry no inline style or script, so the CSP ``default-src 'self'`` holds on them:
the browsable API's pages (templates/rest_framework/) and Swagger UI (templates/drf_spectacular/). The
browser test (tests/browser/test_api_pages.py) watches the same pages for violations as Chromium reports them;
this one names the offending markup when a DRF or drf-spectacular upgrade brings some back."""

from __future__ import annotations

import re

import pytest

from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db

INLINE = re.compile(r"""<style\b|\sstyle=["']|<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>""", re.I)


def inline_markup(page: str) -> list[str]:
    return [page[max(m.start() - 60, 0):m.end() + 60] for m in INLINE.finditer(page)]


@pytest.fixture
def staff(db):
    return staff_client(create_user(is_staff=True, is_superuser=True))


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/agents/", "/api/v1/messages/", "/api/v1/organizations/",
                                  "/api/v1/agents/?search=x&ordering=name"])
def test_browsable_pages_have_no_inline_style_or_script(staff, path):
    AgentFactory()
    response = staff.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html"), response.status_code
    page = response.content.decode()
    assert "mabos/api.css" in page and "mabos/favicon.svg" in page
    assert not inline_markup(page), inline_markup(page)


def test_swagger_ui_has_no_inline_style_or_script(client):
    response = client.get("/api/docs/")
    page = response.content.decode()
    assert response.status_code == 200 and "mabos/swagger.css" in page
    assert not inline_markup(page), inline_markup(page)
    script = re.search(r'<script src="([^"]*\?[^"]*script=[^"]*)"', page)
    assert script, "the init script is a same-origin file"
    assert client.get(script.group(1).replace("&amp;", "&")).status_code == 200
