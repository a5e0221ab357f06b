"""``log``: a line in MABOS's log, with the agent and the request it came from."""

from __future__ import annotations

import logging
from typing import Any

from agents.common.limits import NOTE_MAX
from agents.reasoning.actions.registry import ActionContext, action

logger = logging.getLogger("agents.actions.log")

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}

SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string", "maxLength": NOTE_MAX, "description": "The line to write."},
        "level": {"enum": list(LEVELS), "description": "debug, info (the default), warning or error."},
        "data": {"description": "Any JSON value, written after the message."},
    },
    "additionalProperties": False,
}


@action("log", schema=SCHEMA, description="Write a line in MABOS's log (logger agents.actions.log).")
def log(args: dict[str, Any], context: ActionContext) -> dict[str, Any]:
    level = LEVELS[args.get("level", "info")]
    data = f" {args['data']!r}" if "data" in args else ""
    logger.log(level, "agent %s (%s), action request %s: %s%s", context.agent_name, context.agent_id,
               context.request_id, args.get("message", ""), data)
    return {"logged": True}
