"""Hostile query strings and path segments are a 400 naming the parameter (or a 404), never a 500."""

from __future__ import annotations

import pytest

from tests.agents.api.test_hostile_input import fields_of
from tests.agents.conftest import grant
from tests.support.api import client_for, create_user

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
