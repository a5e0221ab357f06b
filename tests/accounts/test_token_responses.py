"""Token answers are never stored by a browser or proxy: they carry credentials."""

from __future__ import annotations

from tests.support.api import PASSWORD

TOKEN_URL, REFRESH_URL = "/api/v1/auth/token/", "/api/v1/auth/token/refresh/"


def assert_not_stored(response) -> None:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert "no-store" in directives, response.get("Cache-Control")


def test_token_and_refresh_answers_say_no_store(api, make_user):
    user = make_user()
    obtained = api.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert obtained.status_code == 200
    assert_not_stored(obtained)
    refreshed = api.post(REFRESH_URL, {"refresh": obtained.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert_not_stored(refreshed)
    # Refusals too: a proxy must not keep any answer of these endpoints.
    refused = api.post(REFRESH_URL, {"refresh": obtained.json()["refresh"]}, format="json")
    assert refused.status_code == 401
    assert_not_stored(refused)
    assert_not_stored(api.post(TOKEN_URL, {"username": user.username, "password": "wrong"}, format="json"))
