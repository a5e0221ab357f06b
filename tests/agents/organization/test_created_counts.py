"""A created organization or group answers with the same fields as a read: its counts too (found by the API fuzz)."""

from __future__ import annotations

import pytest

from tests.support.api import client_for, create_user
from tests.support.openapi import assert_conforms, served_schema

pytestmark = pytest.mark.django_db


def test_a_created_organization_and_group_carry_their_counts(client):
    schema = served_schema(client)
    admin = create_user(roles=("administrator",))
    client = client_for(admin)
    created = client.post("/api/v1/organizations/", {"name": "Corner Shop", "description": "Milk."}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["agent_count"] == 0
    assert_conforms(schema, "POST", "/api/v1/organizations/", created)
    group = client.post("/api/v1/groups/", {"organization": created.json()["id"], "name": "Night shift"},
                        format="json")
    assert group.status_code == 201, group.content
    assert group.json()["member_count"] == 0
    assert_conforms(schema, "POST", "/api/v1/groups/", group)
