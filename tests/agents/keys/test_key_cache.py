"""A remembered agent key comes back as fresh instances equal to what the database would load."""

from __future__ import annotations

from agents.keys.services import agent_key_authenticate, agent_key_create
from agents.models import AgentApiKey, AgentKind
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_cache_hit_builds_fresh_instances_equal_to_the_database_ones(org):
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    key, raw = agent_key_create(agent=external, by=SYSTEM)
    agent_key_authenticate(raw=raw, ip="10.0.0.7")  # verified by the database, then remembered
    first = agent_key_authenticate(raw=raw, ip="10.0.0.7")
    second = agent_key_authenticate(raw=raw, ip="10.0.0.7")
    loaded = AgentApiKey.objects.select_related("agent__organization").get(pk=key.pk)
    assert _fields(first) == _fields(loaded)
    assert _fields(first.agent) == _fields(loaded.agent)
    assert _fields(first.agent.organization) == _fields(loaded.agent.organization)
    for a, b in ((first, second), (first.agent, second.agent), (first.agent.organization, second.agent.organization)):
        assert a is not b and not a._state.adding and a._state.db == "default"
    first.agent.name = "changed by one request"
    assert second.agent.name == loaded.agent.name  # what one request changes, the next does not see
    first.agent.save(update_fields=["name"])  # a recalled instance saves like a loaded one (UPDATE, not INSERT)
    assert type(first.agent).objects.get(pk=external.pk).name == "changed by one request"
