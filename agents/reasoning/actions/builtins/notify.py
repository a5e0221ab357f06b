"""``notify``: a message to the people of the agent's organization.

MABOS has no channel to people yet: messaging speaks between agents, and there are no e-mail or chat
settings. So a notification is recorded where people already look and where it cannot be lost or altered:
an audit event (action ``create``, target ``agents.actionrequest`` <request id>, ``target_repr``
"notification: <subject>", the text as its note), written by the agent. The request itself, with its
subject and text, is listed on the admin's *Action requests* page (filter: notify) to everyone who may view
the organization. A deployment that wants mail or chat registers its own action (``@action("mail.send")``)
or posts to a webhook with ``http.post``.

At least once, recorded once: a run repeated after a lost worker finds the event its first run wrote (by
the request id) and returns it instead of writing another.
"""

from __future__ import annotations

from typing import Any

from agents.common.limits import NAME_MAX, NOTE_MAX
from agents.reasoning.actions.registry import ActionContext, action
from agents.reasoning.actions.services.notifications import notification_record

LEVELS = ("info", "warning", "critical")

SCHEMA = {
    "type": "object",
    "properties": {
        "subject": {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "description": "One line."},
        "text": {"type": "string", "maxLength": NOTE_MAX, "description": "The message (default empty)."},
        "level": {"enum": list(LEVELS), "description": "info (the default), warning or critical."},
    },
    "required": ["subject"],
    "additionalProperties": False,
}


@action("notify", schema=SCHEMA, description="Tell the organization's people something (recorded as an audit "
                                             "event; see docs/actions.md).")
def notify(args: dict[str, Any], context: ActionContext) -> dict[str, Any]:
    event = notification_record(request_id=context.request_id, agent_id=context.agent_id,
                                agent_name=context.agent_name, organization_id=context.organization_id,
                                subject=args["subject"], text=args.get("text", ""), level=args.get("level", "info"))
    return {"notified": True, "channel": "audit", "audit_event": event.seq}
