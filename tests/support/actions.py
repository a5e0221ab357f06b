"""Actions the test suite registers (``ACTIONS_MODULES`` in the test environment names this module).

``crm.create_lead`` stands for a deployment's own action (the plan tests name it); ``tests.echo`` returns
what it was given with its context, and ``tests.flaky`` fails as its args say, so the worker's retries and
classification are tested without a third party.
"""

from __future__ import annotations

from typing import Any

from agents.reasoning.actions.registry import ActionContext, PermanentError, RetryableError, action


@action("crm.create_lead", description="A lead in a (pretend) CRM.",
        schema={"type": "object", "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100},
                                                 "score": {"type": "integer", "minimum": 0, "maximum": 100}},
                "required": ["name"], "additionalProperties": False})
def create_lead(args: dict[str, Any], context: ActionContext) -> dict[str, Any]:
    return {"lead": f"lead-{args['name']}", "key": context.idempotency_key}


@action("tests.echo", description="What it was given, and what it knows.")
def echo(args: dict[str, Any], context: ActionContext) -> dict[str, Any]:
    return {"args": args, "request": str(context.request_id), "agent": str(context.agent_id),
            "organization": str(context.organization_id), "attempt": context.attempt}


@action("tests.flaky", description="Fails the first `fail` runs (retryable or not, as `permanent` says).",
        schema={"type": "object", "properties": {"fail": {"type": "integer", "minimum": 0},
                                                 "permanent": {"type": "boolean"},
                                                 "crash": {"type": "boolean"}},
                "additionalProperties": False})
def flaky(args: dict[str, Any], context: ActionContext) -> dict[str, Any]:
    if args.get("crash"):
        raise ZeroDivisionError("a bug in the action")
    if context.attempt <= args.get("fail", 0):
        error = PermanentError if args.get("permanent") else RetryableError
        raise error("flaky", f"run {context.attempt} fails on purpose")
    context.record_usage(runs=context.attempt)
    return {"attempt": context.attempt}
