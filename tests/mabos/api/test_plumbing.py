"""API plumbing: versioning, authentication by default, one error shape, pagination, throttles."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from tests.support.api import client_for, throttle_rates


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) <= {"code", "detail", "fields"} and {"code", "detail"} <= set(body), body
    if code:
        assert body["code"] == code, body
    return body


def test_every_api_route_needs_authentication(api):
    for url in ("/api/v1/", "/api/v1/auth/me/", "/api/v1/auth/sessions/"):
        body = assert_error(api.get(url), 401, "not_authenticated")
        assert "Authentication credentials" in body["detail"]


def test_unknown_api_version_is_a_json_404(api, make_user):
    client = client_for(make_user())
    assert_error(client.get("/api/v2/auth/me/"), 404, "not_found")
    assert_error(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert client.get("/api/v1/auth/me/").status_code == 200


def test_health_stays_open_without_authentication(api):
    assert api.get("/health/live/").status_code == 200


def test_malformed_json_is_a_400_parse_error(api):
    response = api.post("/api/v1/auth/token/", data="{not json", content_type="application/json")
    body = assert_error(response, 400, "parse_error")
    assert "JSON" in body["detail"]


def test_wrong_types_and_unknown_fields_name_the_field(api):
    response = api.post("/api/v1/auth/token/", {"username": ["a"], "password": "x", "admin": True}, format="json")
    body = assert_error(response, 400, "invalid")
    assert body["fields"] == {"admin": ["Unknown field."]}
    response = api.post("/api/v1/auth/token/", {"username": ["a"], "password": "x"}, format="json")
    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"username"}
    body = assert_error(api.post("/api/v1/auth/token/", [1, 2], format="json"), 400, "invalid")
    assert "JSON object" in body["detail"]


def test_missing_fields_are_named(api):
    body = assert_error(api.post("/api/v1/auth/token/", {}, format="json"), 400, "invalid")
    assert set(body["fields"]) == {"username", "password"}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_a_huge_body_is_refused_with_413(api):
    payload = json.dumps({"username": "u", "password": "p" * 10_000})
    response = api.post("/api/v1/auth/token/", data=payload, content_type="application/json")
    assert_error(response, 413, "request_too_large")


def test_unsupported_media_type(api):
    response = api.post("/api/v1/auth/token/", data="username=a&password=b",
                        content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_method_not_allowed(make_user):
    assert_error(client_for(make_user()).delete("/api/v1/auth/me/"), 405, "method_not_allowed")


def test_a_crash_is_a_500_without_traceback(make_user, monkeypatch):
    from accounts.api import me

    def boom(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(me.MeApi, "get", boom)
    client = client_for(make_user())
    client.raise_request_exception = False
    body = assert_error(client.get("/api/v1/auth/me/"), 500, "server_error")
    assert "secret" not in json.dumps(body)


def test_browsable_api_only_for_staff(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.get("/api/v1/auth/me/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("application/json")
    staff = make_user(is_staff=True)
    client.force_login(staff)
    response = client.get("/api/v1/auth/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_pagination_caps_the_page_size(make_user, settings):
    from accounts.services.sessions import session_start_api

    user = make_user()
    for _ in range(4):
        session_start_api(user=user, request=None)
    client = client_for(user)
    settings.API_MAX_PAGE_SIZE = 2
    body = client.get("/api/v1/auth/sessions/?page_size=100").json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"]
    assert_error(client.get("/api/v1/auth/sessions/?page=99"), 404, "not_found")


def test_user_throttle_answers_429_with_retry_after(make_user):
    client = client_for(make_user())
    with throttle_rates(user="3/minute"):
        statuses = [client.get("/api/v1/auth/me/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get("/api/v1/auth/me/")
    body = assert_error(response, 429, "throttled")
    # Sliding-window counter: the three requests of this minute still weigh on the next one, so the next
    # request fits a third of the way into it at the latest (window_wait, tested below).
    assert 1 <= int(response["Retry-After"]) <= 80
    assert body["detail"]


def test_throttles_are_per_user(make_user):
    first, second = client_for(make_user()), client_for(make_user())
    with throttle_rates(user="2/minute"):
        assert [first.get("/api/v1/auth/me/").status_code for _ in range(3)] == [200, 200, 429]
        assert second.get("/api/v1/auth/me/").status_code == 200


def test_auth_endpoints_have_a_strict_per_ip_scope(api):
    with throttle_rates(auth="2/minute"):
        payload = {"username": "nobody", "password": "wrong password 123"}
        statuses = [api.post("/api/v1/auth/token/", payload, format="json").status_code for _ in range(3)]
        assert statuses == [401, 401, 429]
        other_ip = api.post("/api/v1/auth/token/", payload, format="json", REMOTE_ADDR="10.9.9.9")
        assert other_ip.status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/token/refresh/"])
def test_auth_endpoints_are_open_but_validate(api, path):
    assert api.post(path, {}, format="json").status_code == 400
