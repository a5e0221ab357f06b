"""Under /api/ every error is JSON, with DEBUG on too; the bare address leads to the admin."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.support.api import client_for, create_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/nope", "/api/v9/agents/", "/api/v1/agents/x/y/z/"])
def test_an_unknown_api_url_is_a_json_404_in_development_too(client, debug, path):
    with override_settings(DEBUG=debug):
        response = client.get(path, follow=True)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_an_authenticated_client_gets_the_same_json_404_with_debug_on():
    client = client_for(create_user(roles=("operator",)))
    with override_settings(DEBUG=True):
        response = client.get("/api/v1/nope/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_outside_the_api_django_pages_stay_as_they_are(client):
    with override_settings(DEBUG=True):
        response = client.get("/nope/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_the_browsable_api_keeps_its_html_errors_for_staff(client):
    staff = create_user(is_staff=True, roles=("operator",))
    client.force_login(staff)
    with override_settings(DEBUG=True):
        response = client.get("/api/v1/agents/00000000-0000-4000-8000-000000000000/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_the_bare_address_redirects_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/", follow=True).status_code == 200  # the admin's login page
