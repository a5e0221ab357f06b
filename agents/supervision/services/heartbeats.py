"""``agent_heartbeat``: an agent says it is alive (``POST agents/{id}/heartbeat/``), optionally how it is.

In the check's lock order: the agent's supervision row first, then the agent row. A stopped or failed agent's
heartbeat is a 409 ``agent_inactive`` (it is not running, whatever it says), nothing written. A heartbeat ends
a stale spell at once. Not audited (see ``agents.agent.services.heartbeats``).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.agent.models import NOT_RUNNING, Agent
from agents.agent.services.heartbeats import agent_heard_from
from agents.common.errors import AgentInactive, invalid
from agents.supervision.models import AgentSupervision
from mabos.errors import NotFound

STATUS_FORMAT = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LOAD_MAX = 1_000_000.0


@transaction.atomic
def agent_heartbeat(*, agent: Agent, status: Any = "", load: Any = None) -> AgentSupervision:
    """Record the heartbeat; ``status`` a short word (``ok``, ``busy``, ``draining``), ``load`` a number >= 0."""
    if status is None:
        status = ""
    if not isinstance(status, str) or (status and not STATUS_FORMAT.match(status)):
        raise invalid("status", "A short word: a lower-case letter, then up to 31 letters, digits or _.")
    if load is not None and (not isinstance(load, int | float) or isinstance(load, bool)
                             or not 0 <= load <= LOAD_MAX):
        raise invalid("load", f"A number from 0 to {LOAD_MAX:g}.")
    AgentSupervision.objects.bulk_create([AgentSupervision(agent_id=agent.pk)], ignore_conflicts=True)
    state = AgentSupervision.objects.select_for_update().filter(agent_id=agent.pk).first()
    current = Agent.objects.filter(pk=agent.pk).values_list("status", flat=True).first()
    if state is None or current is None:
        raise NotFound("agent")
    if current in NOT_RUNNING:
        raise AgentInactive(agent.pk, current, doing="send heartbeats", name=agent.name)
    now = timezone.now()
    agent_heard_from(agent_id=agent.pk, now=now, resolution=datetime.timedelta(0))
    state.reported_status, state.reported_load, state.stale_since = status, load, None
    state.save(update_fields=["reported_status", "reported_load", "stale_since", "updated_at"])
    agent.heartbeat_at = now
    return state
