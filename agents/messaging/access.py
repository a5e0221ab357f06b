"""Who may speak as which agent, and what an agent key may reach in messaging."""

from __future__ import annotations

from typing import Any

from agents.agent.access import key_agent
from agents.agent.selectors import agent_find
from agents.common.access import require
from agents.common.errors import invalid
from agents.common.selectors import resolve
from agents.common.validation import parse_uuid
from agents.organization.selectors import organization_get
from mabos.errors import PermissionDenied

KEY_SCOPE = "An agent key may only read its own inbox, ack or nack its own deliveries and send as its own agent."


def sender_resolve(caller: Any, data: dict[str, Any]) -> tuple[Any, Any, bool]:
    """(organization, sender agent or None, audit?) after checking ``caller`` may speak as that sender.

    An agent key speaks only as its own agent, in its own organization. A person
    speaks as an agent they may operate (audited, since it is not their own
    voice), or as themselves inside an organization they may operate. The
    sender is named by id or by slug (``"sender": "cfo"``, with ``organization``
    when several organizations the person sees have that slug).
    """
    sender_id, org_id = data.pop("sender", None), data.pop("organization", None)
    agent = key_agent(caller)
    if agent is not None:
        if sender_id and parse_uuid(sender_id) != agent.pk and str(sender_id) != agent.slug:
            raise PermissionDenied(KEY_SCOPE)
        if org_id and str(org_id) != str(agent.organization_id):
            raise invalid("organization", "An agent sends within its own organization.")
        return agent.organization, agent, False
    if sender_id:
        agent = agent_find(user=caller, ref=sender_id, organization_id=org_id)
        require(caller, "operate", agent)  # 403: may see the agent, may not speak as it
        if org_id and str(org_id) != str(agent.organization_id):
            raise invalid("organization", "The sender belongs to another organization.")
        return agent.organization, agent, True  # a person speaking as an agent: audited
    if not org_id:
        raise invalid("sender", "Name the agent to send as (or the organization, to speak as yourself).")
    org = resolve("organization", lambda: organization_get(user=caller, pk=org_id))
    require(caller, "operate", org)
    return org, None, False
