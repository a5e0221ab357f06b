"""Authorization schemes: case-insensitive, and a credential in the wrong scheme is told what was wrong.

Each refusal is a 401 ``wrong_auth_scheme`` whose detail says what the header held and which schemes exist,
in the one error shape the schema documents (checked against the served schema).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from agents.keys import services as key_services
from agents.keys.services import agent_key_create
from agents.models import AgentKind
from mabos.api import auth_schemes
from tests.support.actors import SYSTEM
from tests.support.api import create_user, tokens_for
from tests.support.factories import AgentFactory
from tests.support.openapi import assert_conforms, served_schema

ME = "/api/v1/auth/me/"  # JWT and session only
MESSAGES = "/api/v1/messages/"  # also takes agent keys


@pytest.fixture
def access(db):
    return tokens_for(create_user(roles=("operator",)))["access"]


@pytest.fixture
def agent_and_key(db):
    agent = AgentFactory(kind=AgentKind.EXTERNAL)
    _key, raw = agent_key_create(agent=agent, by=SYSTEM, name="runtime")
    return agent, raw


def get(url: str, header: str):
    return APIClient().get(url, HTTP_AUTHORIZATION=header)


def refused(response) -> str:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == "wrong_auth_scheme", body
    return body["detail"]


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(access, scheme):
    assert get(ME, f"{scheme} {access}").status_code == 200


@pytest.mark.parametrize("scheme", ["Agent", "agent", "AGENT"])
def test_the_agent_scheme_is_case_insensitive(agent_and_key, scheme):
    agent, raw = agent_and_key
    assert get(f"/api/v1/agents/{agent.pk}/inbox/", f"{scheme} {raw}").status_code == 200


def test_an_unknown_scheme_names_it_and_lists_the_schemes(client, access):
    detail = refused(get(ME, f"JWT {access}"))
    assert "'JWT'" in detail and "Bearer <access token>" in detail
    assert "is not accepted here" in detail and "Agent <key>" in detail  # the other scheme exists, not here
    assert "send it as `Bearer <token>`" in detail  # the credential is a JWT
    both = refused(get(MESSAGES, f"Token {access}"))
    assert "Bearer <access token>" in both and "Agent <key>" in both and "not accepted here" not in both
    assert_conforms(served_schema(client), "GET", ME, get(ME, f"JWT {access}"))


def test_a_header_without_a_scheme_says_so(access, agent_and_key):
    assert "no scheme (it holds a JWT access token alone)" in refused(get(ME, access))
    _agent, raw = agent_and_key
    assert "no scheme (it holds an agent key alone)" in refused(get(MESSAGES, raw))
    assert "no scheme (it holds a bare value alone)" in refused(get(ME, "hunter2"))


def test_a_jwt_sent_as_an_agent_key_is_told_to_use_bearer(access, agent_and_key):
    agent, _raw = agent_and_key
    detail = refused(get(f"/api/v1/agents/{agent.pk}/inbox/", f"Agent {access}"))
    assert detail == "This is a JWT access token, not an agent key: send it as `Authorization: Bearer <token>`."
    # On an endpoint that takes no agent key, the scheme is the first thing wrong; the hint still follows.
    detail = refused(get(ME, f"Agent {access}"))
    assert "'Agent'" in detail and "send it as `Bearer <token>`" in detail


def test_an_agent_key_sent_as_bearer_is_told_to_use_agent(agent_and_key):
    agent, raw = agent_and_key
    assert refused(get(f"/api/v1/agents/{agent.pk}/inbox/", f"Bearer {raw}")) == \
        "This is an agent key, not a JWT: send it as `Authorization: Agent <key>`."
    assert "this endpoint does not take agent keys" in refused(get(ME, f"bearer {raw}"))


def test_an_agent_key_on_an_endpoint_that_takes_none_is_still_a_401_that_says_why(agent_and_key):
    _agent, raw = agent_and_key
    response = get("/api/v1/agents/", f"Agent {raw}")
    detail = refused(response)
    assert "'Agent' is not one this endpoint accepts" in detail and "Bearer <access token>" in detail
    assert response.has_header("WWW-Authenticate")


def test_no_header_and_a_scheme_without_a_credential_keep_their_answers(access):
    assert APIClient().get(ME).json()["code"] == "not_authenticated"
    response = get(ME, "Bearer")
    assert response.status_code == 401 and response.json()["code"] == "bad_authorization_header"
    assert get(ME, f"Bearer {access} extra").json()["code"] == "bad_authorization_header"


def test_the_agent_key_prefix_is_the_one_keys_are_minted_with():
    assert auth_schemes.AGENT_KEY_PREFIX == key_services.KEY_PREFIX
