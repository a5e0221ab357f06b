"""Protocol-run test helpers: a run started by a person as an internal agent, towards an external participant a
person answers for (the humans-in-conversations shape)."""

from __future__ import annotations

from typing import Any

from agents.models import AgentKind, ProtocolRun
from agents.protocols.people import run_start
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, OrganizationFactory


def protocol_run(*, organization: Any = None, opening: str = "request", content: Any = None,
                 **timeouts: float) -> ProtocolRun:
    """A Request (or Query) run from an internal initiator to an external participant, its request sent."""
    organization = organization or OrganizationFactory()
    initiator = AgentFactory(organization=organization, name="CEO")
    participant = AgentFactory(organization=organization, name="Supplier", kind=AgentKind.EXTERNAL)
    return run_start(by=SYSTEM, initiator=initiator, participants=[participant], opening=opening,
                     content=content if content is not None else {"cut": 10}, **timeouts)
