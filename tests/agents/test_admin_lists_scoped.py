"""Every changelist of the agents admin holds only rows of organizations the staff member may view (issue 17,
"every list filtered by object permission"): a populated world (tests/support/admin_world.py), a staff member
who may view one other, empty organization, and each project changelist's rows checked for whose they are.

Cross-cutting, so it sits in tests/agents/ itself: it walks the admins of every package (messaging, reasoning,
protocols, supervision, learning, keys, agent, organization) with one rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.admin_world import admin_world
from tests.support.api import create_user
from tests.support.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

#: How a row names its organization, tried in order (a row of none of these is a new kind: say how).
PATHS = ("organization_id", "agent.organization_id", "recipient.organization_id", "group.organization_id",
         "initiator.organization_id")


def organization_of(row: Any) -> Any:
    from agents.models import Organization

    if isinstance(row, Organization):
        return row.pk
    for path in PATHS:
        target = row
        try:
            for part in path.split("."):
                target = getattr(target, part)
        except AttributeError:
            continue
        return target
    raise AssertionError(f"{type(row).__name__} names no organization along {PATHS}: add its path")


def changelists() -> list[tuple[str, str]]:
    return sorted((model._meta.label, reverse(f"admin:agents_{model._meta.model_name}_changelist"))
                  for model in admin.site._registry if model._meta.app_label == "agents")


def rows(client, url: str) -> list[Any]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["cl"].result_list)


def test_every_agents_list_holds_only_what_the_staff_member_may_view():
    admin_world()
    own = OrganizationFactory(name="Someone's Own")
    outsider = create_user(roles=("viewer",), is_staff=True)
    grant(outsider, own, "view", "change", "operate")
    outsider_client = staff_client(outsider)
    superuser = staff_client(create_user(is_staff=True, is_superuser=True))

    seen_by_admin = 0
    for label, url in changelists():
        everything = rows(superuser, url)
        seen_by_admin += bool(everything)
        shown = rows(outsider_client, url)
        foreign = [row for row in shown if organization_of(row) not in (None, own.pk)]
        assert not foreign, f"{label}: the list shows rows of organizations its viewer may not view: {foreign[:3]}"
        assert len(shown) <= len(everything), label
    assert seen_by_admin >= 15, "the world fills too few lists for the check to mean anything"
