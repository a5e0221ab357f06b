"""An agent's heartbeat: the time MABOS last heard from it (``Agent.heartbeat_at``).

External agents beat through ``POST agents/{id}/heartbeat/`` (agents.supervision.services.heartbeats) and by
reading their inbox with their key; an internal agent's heartbeat is its runtime row's, written by the cycle.
Not audited and no version step: it is bookkeeping, like a delivery's status, and a person editing the agent
must not lose to a heartbeat with a 409.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from agents.agent.models import Agent

#: An inbox read within this of the last heartbeat writes nothing (a polling agent is not a write per poll).
SEEN_RESOLUTION = datetime.timedelta(seconds=1)


def agent_heard_from(*, agent_id: Any, now: datetime.datetime | None = None,
                     resolution: datetime.timedelta = SEEN_RESOLUTION) -> bool:
    """Record that ``agent_id`` was heard from now; whether the row was written (not within ``resolution``)."""
    now = now or timezone.now()
    return bool(Agent.objects.filter(pk=agent_id).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - resolution)).update(heartbeat_at=now))
