"""Who may do what with a protocol run, written once (the API and the admin both ask here).

- Seeing one: view on its organization or its initiator (``selectors.run_list``).
- Starting one: operate on the agent it is started as (its initiator).
- Cancelling one, or deciding a Contract-Net call: operate on its initiator (the person speaks for the agent
  that opened it).
- Replying in one: operate on the participant agent the reply is sent as.
Each is a 403 when the caller may see the agent and a 404 when they may not.
"""

from __future__ import annotations

from typing import Any

from accounts.object_permissions import OPERATE, has_object_permission
from agents.agent.access import agent_for
from agents.agent.models import Agent
from agents.common.access import require
from agents.protocols.models import ProtocolRun


def run_start_agent(user: Any, pk: Any) -> Agent:
    """The agent a run is started as: 404 if the caller cannot see it, 403 if they may not operate it."""
    return agent_for(user, pk, OPERATE)


def run_initiator_require(user: Any, run: ProtocolRun) -> None:
    require(user, OPERATE, run.initiator)


def run_cancel_allowed(user: Any, run: ProtocolRun) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and has_object_permission(user, OPERATE, run.initiator)


def run_reply_agent(user: Any, pk: Any) -> Agent:
    """The participant a person replies as: 404 if they cannot see it, 403 if they may not operate it."""
    return agent_for(user, pk, OPERATE)
