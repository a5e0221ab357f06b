"""GET /api/v1/audit/events/: read-only, auditors and administrators only, filtered, newest first."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from auditlog.actors import Actor
from auditlog.models import Action, AuditEvent
from auditlog.services import audit_record

URL = "/api/v1/audit/events/"
pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_login(user)
    return api


@pytest.fixture
def events(plain_user):
    made = [
        audit_record(action=Action.LOGIN, actor=plain_user, target=plain_user),
        audit_record(action=Action.CONFIG_CHANGED, actor=Actor.system(), target_type="config", target_id="LOG_LEVEL",
                     changes={"LOG_LEVEL": ["INFO", "DEBUG"]}),
        audit_record(action=Action.UPDATE, actor=Actor.for_agent(plain_user), target_type="agents.agent",
                     target_id="42"),
    ]
    return made


def test_anonymous_gets_no_audit_data(events):
    response = client_for().get(URL)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_authenticated_non_auditors_get_403_and_no_data(events, plain_user, operator_user):
    for user in (plain_user, operator_user):
        response = client_for(user).get(URL)
        assert response.status_code == 403, user
        assert "results" not in response.json()


@pytest.mark.parametrize("who", ["auditor", "administrator", "superuser"])
def test_auditors_administrators_and_superusers_read_newest_first(events, who, request):
    response = client_for(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 200
    rows = {row["seq"]: row for row in response.json()["results"]}
    # Everything in the trail (other code may audit logins too), newest first.
    assert list(rows) == list(AuditEvent.objects.order_by("-seq").values_list("seq", flat=True))
    assert {e.seq for e in events} <= set(rows)
    assert rows[events[0].seq]["hash"] == events[0].hash and rows[events[0].seq]["actor_name"] == "plain"


def test_the_api_is_read_only(auditor, events):
    api = client_for(auditor)
    before = list(AuditEvent.objects.values_list("seq", "hash"))
    for method in ("post", "put", "patch", "delete"):
        assert getattr(api, method)(URL, {}, format="json").status_code == 405
    assert list(AuditEvent.objects.values_list("seq", "hash"))[: len(before)] == before


def test_filters(auditor, events, plain_user):
    api = client_for(auditor)  # signing in may itself be audited: filters must tell the events apart

    def seqs(**params) -> list[int]:
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return [row["seq"] for row in response.json()["results"]]

    assert seqs(action="config_changed") == [events[1].seq]
    assert seqs(actor_type="user", actor_id=str(plain_user.pk)) == [events[0].seq]
    assert seqs(actor_type="agent") == [events[2].seq]
    assert seqs(target_type="agents.agent", target_id="42") == [events[2].seq]
    assert seqs(target_type="accounts.user", target_id=str(plain_user.pk)) == [events[0].seq]
    now = timezone.now()
    recent = seqs(since=(now - datetime.timedelta(minutes=1)).isoformat())
    assert [s for s in recent if s in {e.seq for e in events}] == [e.seq for e in reversed(events)]
    assert seqs(since=(now + datetime.timedelta(minutes=1)).isoformat()) == []
    window = seqs(since=events[0].occurred_at.isoformat(), until=events[1].occurred_at.isoformat())
    assert window == [events[0].seq]  # since inclusive, until exclusive
    assert seqs(since="2000-01-01T00:00:00Z", until="2000-01-02T00:00:00Z") == []


@pytest.mark.parametrize(("params", "field"), [
    ({"since": "yesterday"}, "since"),
    ({"until": "2026-13-45T99:00"}, "until"),
    ({"action": "hack"}, "action"),
    ({"actor_type": "robot"}, "actor_type"),
    ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
])
def test_malformed_filters_are_a_400_naming_the_field(auditor, params, field):
    response = client_for(auditor).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert field in body.get("fields", body)  # the API's error shape, or DRF's plain one


def test_cursor_pagination_walks_every_event_once(auditor):
    made = [audit_record(action=Action.UPDATE, actor=Actor.system(), target_id=str(i)) for i in range(7)]
    api = client_for(auditor)
    seen, url = [], f"{URL}?page_size=3"
    while url:
        body = api.get(url).json()
        assert "count" not in body  # no COUNT(*) over a table that only grows
        seen += [row["seq"] for row in body["results"]]
        url = body["next"]
    assert seen == list(AuditEvent.objects.order_by("-seq").values_list("seq", flat=True))
    assert len(seen) >= len(made) and len(set(seen)) == len(seen)


def test_list_runs_a_constant_number_of_queries(auditor, django_assert_max_num_queries):
    api = client_for(auditor)
    for i in range(60):
        audit_record(action=Action.UPDATE, actor=Actor.system(), target_id=str(i))
    # session, user, role check, page
    with django_assert_max_num_queries(5):
        assert len(api.get(f"{URL}?page_size=50").json()["results"]) == 50
