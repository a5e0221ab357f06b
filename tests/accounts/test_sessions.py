"""My sessions: list (API and web), revoke one, revoke all but the current one; all audited."""

from __future__ import annotations

from auditlog.models import AuditEvent
from tests.support.api import PASSWORD, client_for, tokens_for

SESSIONS = "/api/v1/auth/sessions/"


def bearer(api, access):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return api


def test_list_shows_my_api_and_web_sessions_only(api, client, make_user, django_assert_max_num_queries):
    me, other = make_user(is_staff=True), make_user()
    client.post("/admin/login/", {"username": me.username, "password": PASSWORD}, HTTP_USER_AGENT="Firefox/1")
    login = api.post("/api/v1/auth/token/", {"username": me.username, "password": PASSWORD}, format="json",
                     HTTP_USER_AGENT="mabos-cli/2", REMOTE_ADDR="198.51.100.3").json()
    tokens_for(other)
    for _ in range(5):
        tokens_for(me)
    bearer(api, login["access"])
    with django_assert_max_num_queries(8):
        body = api.get(SESSIONS + "?page_size=100").json()
    assert body["count"] == 7
    kinds = {s["kind"] for s in body["results"]}
    assert kinds == {"api", "web"}
    current = [s for s in body["results"] if s["current"]]
    assert len(current) == 1 and current[0]["id"] == login["session_id"]
    assert current[0]["ip_address"] == "198.51.100.3" and current[0]["user_agent"] == "mabos-cli/2"
    assert {"created_at", "last_used_at", "expires_at"} <= set(current[0])


def test_revoke_one_session(api, make_user):
    me = make_user()
    current, other = tokens_for(me), tokens_for(me)
    bearer(api, current["access"])
    assert api.delete(f"{SESSIONS}{other['sid']}/").status_code == 204
    assert client_for().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {other['access']}").status_code == 401
    assert api.get("/api/v1/auth/me/").status_code == 200
    assert AuditEvent.objects.filter(action="session_revoked", target_id=str(me.pk)).count() == 1


def test_someone_elses_session_is_a_404(api, make_user):
    me, them = make_user(), make_user()
    theirs = tokens_for(them)
    bearer(api, tokens_for(me)["access"])
    response = api.delete(f"{SESSIONS}{theirs['sid']}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client_for().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {theirs['access']}").status_code == 200


def test_revoke_all_keeps_the_current_session(api, client, make_user):
    me = make_user(is_staff=True)
    client.post("/admin/login/", {"username": me.username, "password": PASSWORD})
    others = [tokens_for(me) for _ in range(3)]
    current = tokens_for(me)
    bearer(api, current["access"])
    response = api.post(SESSIONS + "revoke-all/")
    assert response.status_code == 200 and response.json() == {"revoked": 4}
    assert api.get("/api/v1/auth/me/").status_code == 200
    for pair in others:
        assert client_for().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401
    assert client.get("/admin/").status_code == 302  # the web session is gone: back to the login page
    assert AuditEvent.objects.filter(action="session_revoked").count() == 4


def test_sessions_need_authentication(api):
    assert api.get(SESSIONS).status_code == 401
    assert api.post(SESSIONS + "revoke-all/").status_code == 401
