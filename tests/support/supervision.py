"""What the supervision API tests share: a person who may change an organization, counts of what a write leaves."""

from __future__ import annotations

from typing import Any

from agents.keys.services import agent_key_create
from agents.models import AgentKind
from agents.supervision.models import SupervisorPolicy
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.api import create_user, key_client
from tests.support.factories import AgentFactory


def person_for(org: Any, *verbs: str) -> Any:
    """An operator with ``verbs`` (default view and change) on ``org``."""
    user = create_user(roles=("operator",))
    grant(user, org, *(verbs or ("view", "change")))
    return user


def written() -> tuple[int, int]:
    """How many policies and audit events there are: a refused write leaves both as they were."""
    return SupervisorPolicy.objects.count(), AuditEvent.objects.count()


def external_with_key(org: Any, **fields: Any) -> tuple[Any, Any]:
    """An external agent of ``org`` and an API client speaking with its own key."""
    agent = AgentFactory(organization=org, kind=AgentKind.EXTERNAL, **fields)
    _key, raw = agent_key_create(agent=agent, by=SYSTEM, name="tests")
    return agent, key_client(raw)
