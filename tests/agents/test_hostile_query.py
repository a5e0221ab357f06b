"""Hostile query strings and path segments are a 400 naming the parameter (or a 404), never a 500.

Cross-cutting, so it sits in tests/agents/ itself: the filters and path segments of every package's lists
(agents, organizations, messages, dead letters, beliefs, the audit trail, supervision) are checked side by side.
"""

from __future__ import annotations

import pytest

from tests.support.actors import grant
from tests.support.api import client_for, create_user, fields_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(org):
    user = create_user(roles=("operator",))
    grant(user, org, "view", "change", "operate")
    return user


def test_malformed_message_and_dead_letter_filters_are_a_400_naming_them(org, owner):
    client = client_for(owner)
    for url, name in (("/api/v1/messages/?conversation_id=x", "conversation_id"),
                      ("/api/v1/dead-letters/?recipient=x", "recipient")):
        assert name in fields_of(client.get(url)), url
    for url in (f"/api/v1/messages/?conversation_id={org.pk}", f"/api/v1/dead-letters/?recipient={org.pk}"):
        response = client.get(url)
        assert response.status_code == 200 and response.json()["results"] == [], url


@pytest.mark.parametrize(("url", "name"), [
    ("/api/v1/agents/?search=a%00b", "search"),
    ("/api/v1/agents/?role_slug=a%00b", "role_slug"),
    ("/api/v1/organizations/?industry=a%00b", "industry"),
    ("/api/v1/messages/?conversation_id=%00", "conversation_id"),
    ("/api/v1/dead-letters/?recipient=%00", "recipient"),
    ("/api/v1/audit/events/?target_id=a%00b", "target_id"),
    ("/api/v1/agents/?ordering=name%00", "ordering"),
    ("/api/v1/agents/?a%00b=1", "a\u0000b"),
    ("/api/v1/supervision/events/?since=a%00b", "since"),
    ("/api/v1/supervision/events/?agent=%00", "agent"),
    ("/api/v1/supervision/policies/?group=%00", "group"),
    ("/api/v1/selection-policies/?organization=%00", "organization"),
    ("/api/v1/selection-policies/?trigger_name=a%00b", "trigger_name"),
])
def test_a_nul_in_any_query_parameter_is_a_400_naming_it(owner, url, name):
    owner.is_superuser = True  # the audit trail too
    owner.save()
    assert name in fields_of(client_for(owner).get(url)), url


def test_a_nul_or_garbage_in_a_path_segment_is_a_404(org, owner, agent):
    client = client_for(owner)
    for segment in ("a%00b", "%00", "a%ED%A0%80b", "not a key!"):
        response = client.get(f"/api/v1/agents/{agent.pk}/beliefs/{segment}/")
        assert response.status_code == 404 and response.json()["code"] == "not_found", (segment, response.content)
        response = client.delete(f"/api/v1/agents/{agent.pk}/beliefs/{segment}/")
        assert response.status_code == 404, segment
    for url in ("/api/v1/agents/%00/", "/api/v1/agents/not-a-uuid/pause/", "/api/v1/messages/%00/",
                "/api/v1/agents/%00/health/", "/api/v1/supervision/policies/%00/", "/api/v1/supervision/events/1%00/"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
