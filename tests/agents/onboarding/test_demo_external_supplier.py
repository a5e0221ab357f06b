"""`manage.py demo_external_supplier`, the Procfile.demo process that runs Atlas beside `make run`: each start
gets a fresh key through the key service and leaves no earlier run's key active; a missing agent is refused.
(tests/live/ sees the process answer the COO through the API.)"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from agents.agent.models import Agent
from agents.keys.models import AgentApiKey
from agents.keys.services import agent_key_authenticate
from agents.management.commands.demo_external_supplier import KEY_NAME, Command
from auditlog.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def atlas() -> Agent:
    call_command("seed_demo", verbosity=0)
    return Agent.objects.get(organization__slug="demo-online-retailer", slug="atlas")


def test_each_start_revokes_the_last_runs_key_and_makes_a_working_one(atlas):
    other = AgentApiKey.objects.create(agent=atlas, name="made by a person", prefix="a" * 12, pepper_id="p",
                                       hash="0" * 64)
    first = Command.fresh_key(atlas)
    second = Command.fresh_key(atlas)
    active = AgentApiKey.objects.filter(agent=atlas, name=KEY_NAME, revoked_at__isnull=True)
    assert active.count() == 1
    assert agent_key_authenticate(raw=second, ip="127.0.0.1").agent_id == atlas.pk
    with pytest.raises(Exception, match="Invalid agent key"):
        agent_key_authenticate(raw=first, ip="127.0.0.1")
    other.refresh_from_db()
    assert other.revoked_at is None  # a key a person made is theirs to revoke
    events = AuditEvent.objects.filter(target_type="agents.agentapikey", actor_name__contains="demo_external_supplier")
    assert sorted(events.values_list("action", "note")) == [("create", ""), ("create", ""), ("update", "revoked")]


def test_an_organization_without_the_agent_is_refused_by_name(db):
    with pytest.raises(CommandError, match="no external agent 'atlas' in the organization 'nowhere'"):
        call_command("demo_external_supplier", organization="nowhere")
