"""``llm.chat``: one chat completion from an OpenAI-compatible API, off unless configured.

Configured by the environment (``ACTIONS_LLM_BASE_URL``, ``ACTIONS_LLM_MODEL``, ``ACTIONS_LLM_API_KEY``,
``ACTIONS_LLM_TIMEOUT_SECONDS``, ``ACTIONS_LLM_MAX_TOKENS``, and the prices per 1000 prompt and completion
tokens): ``POST <base>/chat/completions``. Without a base URL and a model every request fails with
``not_configured`` (permanent), so a plan can name the action everywhere and a deployment decides whether it
costs anything. The token counts and the cost computed from the prices are on the result and on the
request's ``usage`` (the admin shows them); a reply that gives no counts has null ones (and no cost). A plan
cannot choose the model: what a call may cost is the operator's decision.

Timeouts, 429 and 5xx are retried (the request's id is sent as ``Idempotency-Key``, which a provider may
honour); other 4xx (a wrong key: 401) fail at once, as does a reply that is not a completion (``bad_reply``).
"""

from __future__ import annotations

import logging
from typing import Any

from agents.common.limits import JSON_MAX_CHARS
from agents.reasoning.actions.policy import knob
from agents.reasoning.actions.registry import ActionContext, PermanentError, RetryableError, action
from agents.reasoning.actions.replies import fit_text, parse_json
from agents.reasoning.actions.transport import post_json

logger = logging.getLogger("agents.actions.llm")

ROLES = ("system", "user", "assistant")
#: A completion's reply is read up to this many times ACTIONS_HTTP_MAX_REPLY_BYTES (it carries more than text).
REPLY_FACTOR = 4

SCHEMA = {
    "type": "object",
    "properties": {
        "prompt": {"type": "string", "minLength": 1, "maxLength": JSON_MAX_CHARS,
                   "description": "The user's message (or give messages)."},
        "system": {"type": "string", "maxLength": JSON_MAX_CHARS, "description": "A system message before prompt."},
        "messages": {"type": "array", "minItems": 1, "maxItems": 100,
                     "items": {"type": "object", "properties": {"role": {"enum": list(ROLES)},
                                                                "content": {"type": "string",
                                                                            "maxLength": JSON_MAX_CHARS}},
                               "required": ["role", "content"], "additionalProperties": False},
                     "description": "The conversation, instead of prompt and system."},
        "max_tokens": {"type": "integer", "minimum": 1,
                       "description": "At most ACTIONS_LLM_MAX_TOKENS (the default)."},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
    },
    "additionalProperties": False,
}


def _messages(args: dict[str, Any]) -> list[dict[str, str]]:
    if ("messages" in args) == ("prompt" in args):
        raise PermanentError("bad_args", "args.prompt: give either prompt (and system) or messages.")
    if "messages" in args:
        if "system" in args:
            raise PermanentError("bad_args", "args.system: with messages, put the system message among them.")
        return args["messages"]
    system = [{"role": "system", "content": args["system"]}] if args.get("system") else []
    return [*system, {"role": "user", "content": args["prompt"]}]


def _counts(usage: Any) -> dict[str, int] | None:
    """The reply's token counts, or None when it gives none (a compatible server may not count)."""
    if not isinstance(usage, dict):
        return None
    counts = {name: usage.get(name) for name in ("prompt_tokens", "completion_tokens", "total_tokens")}
    if counts["total_tokens"] is None and isinstance(counts["prompt_tokens"], int) \
            and isinstance(counts["completion_tokens"], int):
        counts["total_tokens"] = counts["prompt_tokens"] + counts["completion_tokens"]
    if not all(isinstance(value, int) and not isinstance(value, bool) and value >= 0 for value in counts.values()):
        return None
    return counts


def cost_of(prompt_tokens: int, completion_tokens: int) -> float:
    """What the tokens cost at the configured prices (per 1000 tokens), to 8 decimals."""
    return round(prompt_tokens / 1000 * float(knob("LLM_PROMPT_PRICE_PER_1K"))
                 + completion_tokens / 1000 * float(knob("LLM_COMPLETION_PRICE_PER_1K")), 8)


@action("llm.chat", schema=SCHEMA, description="A chat completion from the configured OpenAI-compatible API.")
def llm_chat(args: dict[str, Any], context: ActionContext) -> dict[str, Any]:
    base, model = knob("LLM_BASE_URL"), knob("LLM_MODEL")
    if not base or not model:
        raise PermanentError("not_configured", "llm.chat is off: set ACTIONS_LLM_BASE_URL and ACTIONS_LLM_MODEL.")
    cap = int(knob("LLM_MAX_TOKENS"))
    max_tokens = args.get("max_tokens", cap)
    if max_tokens > cap:
        raise PermanentError("bad_args", f"args.max_tokens: at most {cap} (ACTIONS_LLM_MAX_TOKENS).")
    body: dict[str, Any] = {"model": model, "messages": _messages(args), "max_tokens": max_tokens}
    if "temperature" in args:
        body["temperature"] = args["temperature"]
    headers = {"Idempotency-Key": context.idempotency_key}
    if knob("LLM_API_KEY"):
        headers["Authorization"] = f"Bearer {knob('LLM_API_KEY')}"
    reply = post_json(f"{str(base).rstrip('/')}/chat/completions", body, headers=headers,
                      timeout=float(knob("LLM_TIMEOUT_SECONDS")),
                      max_bytes=REPLY_FACTOR * int(knob("HTTP_MAX_REPLY_BYTES")))
    if reply.status in (408, 429):
        raise RetryableError("http_status", f"HTTP {reply.status}: {reply.excerpt()}")
    if not 200 <= reply.status < 300:
        raise PermanentError("http_status", f"HTTP {reply.status}: {reply.excerpt()}")
    if reply.truncated:
        most = REPLY_FACTOR * int(knob("HTTP_MAX_REPLY_BYTES"))
        raise PermanentError("bad_reply", f"the completion is longer than {most} bytes ({REPLY_FACTOR} times "
                                          "ACTIONS_HTTP_MAX_REPLY_BYTES).")
    completion = parse_json(reply.body, what="the completion")
    try:
        choice = completion["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise PermanentError("bad_reply", "the reply is no chat completion (no choices[0].message.content).") from None
    if not isinstance(content, str):
        raise PermanentError("bad_reply", "choices[0].message.content is not a text.")
    answered_by = completion.get("model") if isinstance(completion.get("model"), str) else model
    counts = _counts(completion.get("usage"))
    if counts is None:
        logger.warning("llm.chat request %s: the reply gives no token counts; its cost is unknown", context.request_id)
    cost = None if counts is None else cost_of(counts["prompt_tokens"], counts["completion_tokens"])
    context.record_usage(**(counts or {}), cost=cost, model=answered_by[:200])
    content, truncated = fit_text(content)
    return {"content": content, "model": answered_by[:200], "finish_reason": str(choice.get("finish_reason") or ""),
            "usage": counts, "cost": cost, "truncated": truncated}
