"""Reuse detection holds under concurrency: of parallel refreshes of one token exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections
from rest_framework.test import APIClient

from accounts import models as account_models
from accounts.services import auth as auth_services
from auditlog.models import AuditEvent
from tests.support.api import create_user, reset_shared_state, tokens_for

REFRESH_URL, ME_URL = "/api/v1/auth/token/refresh/", "/api/v1/auth/me/"
PARALLEL = 6


@pytest.mark.django_db(transaction=True)
def test_parallel_refreshes_of_one_token_one_wins_and_the_rest_revoke_the_session(monkeypatch):
    """Six real threads post the same refresh token to the real endpoint, each on its own connection.

    The barrier holds every request after its unlocked checks (signature,
    blacklist, session row) until all six have passed them, the interleaving
    a burst produces by chance: whatever decides the winner must happen after.
    """
    reset_shared_state()
    user = create_user()
    pair = tokens_for(user)
    all_checked = threading.Barrier(PARALLEL)
    rotate = auth_services.session_rotate

    def rotate_when_all_checked(**kwargs):
        all_checked.wait(timeout=15)
        return rotate(**kwargs)

    monkeypatch.setattr(auth_services, "session_rotate", rotate_when_all_checked)
    answers: list = [None] * PARALLEL

    def refresh(i: int) -> None:
        try:
            response = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
            answers[i] = (response.status_code, response.json())
        except Exception as exc:
            answers[i] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=refresh, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(a, tuple) for a in answers), answers
    won = [body for status, body in answers if status == 200]
    lost = [body for status, body in answers if status != 200]
    assert len(won) == 1, f"{len(won)} of {PARALLEL} parallel refreshes of one token succeeded"
    assert [body["code"] for body in lost] == ["token_revoked"] * (PARALLEL - 1)
    # The losers saw a reuse: the session is over, the winner's fresh pair included.
    session = account_models.UserSession.objects.get(pk=pair["sid"])
    assert session.revoked_at is not None
    client = APIClient()
    assert client.post(REFRESH_URL, {"refresh": won[0]["refresh"]}, format="json").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {won[0]['access']}")
    assert client.get(ME_URL).status_code == 401
    assert AuditEvent.objects.filter(action="token_refresh").count() == 1
    assert AuditEvent.objects.filter(action="session_revoked").count() == 1
