"""Onboarding through its doors: the API (black box, visibility, grants, bad input) and the admin form."""

from __future__ import annotations

import pytest

from agents.models import Agent, Organization, Plan
from agents.onboarding.libraries import plan_library
from tests.support.admin import staff_client
from tests.support.api import client_for, create_user

pytestmark = pytest.mark.django_db

BUSINESS = {"name": "Green Grocer", "industry": "retail", "description": "Fresh vegetables, delivered.",
            "size": 6, "roles": ["ceo", "cfo", "coo", "knowledge"], "markets": ["Berlin"]}


def onboard(client, **changes):
    return client.post("/api/v1/organizations/onboard/", {**BUSINESS, **changes}, format="json")


def test_black_box_onboarding_visibility_and_grants(administrator):
    admin = client_for(administrator)
    response = onboard(admin)
    assert response.status_code == 201, response.content
    org = response.json()
    assert org["agent_count"] == 4 and org["profile"]["size"] == 6
    agents = admin.get(f"/api/v1/agents/?organization={org['id']}").json()
    assert sorted(a["role_slug"] for a in agents["results"]) == ["ceo", "cfo", "coo", "knowledge"]
    cfo = next(a for a in agents["results"] if a["slug"] == "cfo")
    assert admin.get(f"/api/v1/agents/{cfo['id']}/goals/").json()["count"] == 3
    assert admin.get(f"/api/v1/agents/{cfo['id']}/beliefs/organization.name/").json()["value"] == "Green Grocer"
    plans = admin.get("/api/v1/plans/", {"role": cfo["role"], "page_size": 100}).json()["results"]
    assert sorted(p["label"] for p in plans) == sorted(d["label"] for d in plan_library("cfo"))
    restore = next(p for p in plans if p["label"] == "restore_runway")
    assert restore["trigger"] == {"kind": "goal_added", "name": "Keep at least three months of cash runway"}
    text = admin.get(f"/api/v1/plans/{restore['id']}/", {"format": "text"}).content.decode()
    assert text.startswith("@restore_runway") and '+!"Keep at least three months of cash runway"' in text
    assert ".start_protocol(request, cmo," in text and ".start_protocol(request, coo," in text

    second = create_user(roles=("viewer",))
    other = client_for(second)
    assert other.get("/api/v1/agents/").json()["count"] == 0
    assert other.get(f"/api/v1/agents/{cfo['id']}/").status_code == 404
    assert other.get(f"/api/v1/organizations/{org['id']}/").status_code == 404
    granted = admin.post("/api/v1/permissions/", {"object_type": "agents.organization", "object_id": org["id"],
                                                   "permission": "view", "user": second.username}, format="json")
    assert granted.status_code == 201, granted.content
    assert other.get("/api/v1/agents/").json()["count"] == 4  # an organization grant covers its agents
    assert other.post(f"/api/v1/agents/{cfo['id']}/pause/").status_code == 403


def test_onboarding_needs_the_right_to_create_organizations(outsider, operator):
    assert onboard(client_for(outsider)).status_code == 403
    assert onboard(client_for(operator)).status_code == 201
    assert onboard(client_for(None)).status_code == 401


@pytest.mark.parametrize(("changes", "field"), [
    ({"roles": ["ceo", "unicorn"]}, "roles"), ({"roles": ["cfo", "cfo"]}, "roles"),
    ({"description": ""}, "description"), ({"name": ""}, "name"), ({"size": "huge"}, "size"),
    ({"colour": "green"}, "colour")])
def test_onboarding_bad_input_is_a_400_naming_the_field(operator, changes, field):
    response = onboard(client_for(operator), **changes)
    assert response.status_code == 400 and field in response.json()["fields"], response.content
    assert not Agent.objects.exists()


def test_duplicate_business_name_is_a_400(operator):
    client = client_for(operator)
    assert onboard(client).status_code == 201
    response = onboard(client)
    assert response.status_code == 400 and "name" in response.json()["fields"]


def test_onboarding_form_in_the_admin(staff_operator):
    client = staff_client(staff_operator)
    assert "Onboard a business" in client.get("/admin/agents/organization/").content.decode()
    bad = client.post("/admin/agents/organization/onboard/", {"name": "Shop", "description": "Sells.",
                                                               "size": "small"})
    assert bad.status_code == 200 and not Organization.objects.exists()
    response = client.post("/admin/agents/organization/onboard/", {
        "name": "Shop", "industry": "retail", "description": "Sells.", "size": "small", "roles": ["ceo", "hr"]})
    assert response.status_code == 302
    org = Organization.objects.get()
    assert org.agents.count() == 2
    for slug in ("ceo", "hr"):  # the form staffs through the same service: the roles' libraries come along
        assert sorted(Plan.objects.filter(role__organization=None, role__slug=slug).values_list("label", flat=True)) \
            == sorted(d["label"] for d in plan_library(slug)), slug
    assert org.agents.get(slug="ceo").goals.filter(name="Follow the weekly knowledge digest").exists()
    assert client.get(f"/admin/agents/organization/{org.pk}/change/").status_code == 200

