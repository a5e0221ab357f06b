"""Hostile input in the admin's forms is a form error on the field, never a 500.

The JSON text areas take what the user types, escapes included: ``"\\u0000"`` is
a NUL to ``json.loads``, ``"\\ud800"`` a lone surrogate, ``1e400`` infinity.

Cross-cutting, so it sits in tests/agents/ itself: the forms of every package's admin (agent config and
inline beliefs, organization profile, role defaults, changelist searches) are checked with the same values.
"""

from __future__ import annotations

import re

import pytest

from agents.models import Agent, AgentRole, Belief, Organization
from tests.support.admin import agent_form, staff_client
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db

HOSTILE_JSON = ['{"model": "a\\u0000b"}', '{"model": "a\\ud800b"}', '{"a\\u0000": 1}', '[1e400]',
                "[" * 1000 + "]" * 1000, '{"x": ' + "[" * 40 + "]" * 40 + "}"]

NO_AGENTS = {"agents-TOTAL_FORMS": "0", "agents-INITIAL_FORMS": "0"}


@pytest.fixture
def admin_client(administrator):
    administrator.is_staff = True
    administrator.save()
    return staff_client(administrator)


def errors_on(response, field: str) -> str:
    """The error list rendered next to one field of the admin page (a 200 re-showing the form)."""
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    page = response.content.decode()
    pattern = r'<ul class="errorlist"[^>]*id="id_FIELD_error"[^>]*>(.*?)</ul>'.replace("FIELD", re.escape(field))
    match = re.search(pattern, page, re.S)
    assert match, re.findall(r'errorlist[^>]*>(.*?)</ul>', page, re.S)
    return match.group(1)


@pytest.mark.parametrize("text", HOSTILE_JSON, ids=["nul", "surrogate", "nul-key", "infinity", "deep", "depth-41"])
def test_agent_config_that_postgresql_cannot_store_is_a_form_error(admin_client, text):
    agent = AgentFactory(config={"model": "small"})
    response = admin_client.post(f"/admin/agents/agent/{agent.pk}/change/", {**agent_form(agent), "config": text})
    assert errors_on(response, "config")
    assert Agent.objects.get(pk=agent.pk).config == {"model": "small"}


@pytest.mark.parametrize("text", HOSTILE_JSON[:2], ids=["nul", "surrogate"])
def test_belief_value_that_postgresql_cannot_store_is_a_form_error(admin_client, text):
    agent = AgentFactory()
    form = {**agent_form(agent), "beliefs-TOTAL_FORMS": "1", "beliefs-0-key": "stock", "beliefs-0-value": text,
            "beliefs-0-confidence": "1", "beliefs-0-source": "", "beliefs-0-agent": str(agent.pk)}
    response = admin_client.post(f"/admin/agents/agent/{agent.pk}/change/", form)
    assert errors_on(response, "beliefs-0-value")
    assert not Belief.objects.exists()


def test_organization_profile_that_postgresql_cannot_store_is_a_form_error(admin_client):
    for text in HOSTILE_JSON:
        response = admin_client.post("/admin/agents/organization/add/", {
            "name": "Shop", "slug": "shop", "industry": "", "description": "Sells.", "profile": text, **NO_AGENTS})
        assert errors_on(response, "profile"), text
    assert not Organization.objects.exists()


def test_role_defaults_that_postgresql_cannot_store_or_the_service_refuses_are_form_errors(admin_client, org):
    base = {"organization": str(org.pk), "name": "Buyer", "slug": "buyer", "responsibilities": "Buys.",
            "default_goals": "[]", "default_beliefs": "[]"}
    cases = [("default_goals", '[{"name": "a\\u0000b"}]'), ("default_beliefs", '[{"key": "k", "value": "\\ud800"}]'),
             ("default_goals", '"not a list"'), ("default_beliefs", '[{"key": "bad key!"}]'),
             ("default_goals", "[" * 1000 + "]" * 1000)]
    for field, text in cases:
        response = admin_client.post("/admin/agents/agentrole/add/", {**base, field: text})
        assert errors_on(response, field), (field, text)
    assert not AgentRole.objects.filter(slug="buyer").exists()


def test_a_nul_in_an_admin_changelist_search_or_filter_is_a_400(admin_client):
    AgentFactory()
    for url in ("/admin/agents/agent/?q=a%00b", "/admin/agents/agent/?organization__id__exact=%00",
                "/admin/agents/organization/?q=%00"):
        assert admin_client.get(url).status_code == 400, url
    assert admin_client.get("/admin/agents/agent/?q=agent").status_code == 200


def test_hostile_text_in_admin_text_fields_is_a_form_error(admin_client):
    response = admin_client.post("/admin/agents/organization/add/", {
        "name": "Sh\x00op", "slug": "shop", "industry": "", "description": "Sells.", "profile": "{}", **NO_AGENTS})
    assert errors_on(response, "name")
    assert not Organization.objects.exists()
