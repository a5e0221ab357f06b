"""The action worker: claim a due request, run its action outside any transaction, record what came of it.

At least once, never silently lost:

1. **Claim** (one short transaction, committed before the call): the oldest due pending request,
   ``FOR UPDATE SKIP LOCKED`` so workers never wait for each other, becomes ``running`` with
   ``attempts + 1`` and a lease of ``ACTIONS_LEASE_SECONDS``. One request per claim: its lease starts when
   its own call does, so the lease only has to outlast one call (twice the longest built-in timeout).
2. **Run** the registered callable with no transaction open (a third party's seconds never hold a row
   lock or a connection's transaction), with the request's id as the idempotency key.
3. **Record** (one transaction per request): succeeded with the result; a retryable error back to
   ``pending`` after a back-off while attempts remain; otherwise failed. A finished request posts its
   ``action_result`` event in the same transaction, so the event exists exactly when the outcome does.

A worker killed between 2 and 3 leaves the request ``running``; when its lease runs out the sweeper
(sweeper.py) puts it back to ``pending`` and it runs again with the same id. A late worker whose request was
claimed again meanwhile records nothing (``attempts`` no longer matches): the newer run records.

The outcome is the request row itself (status, result, error, usage); it is not audited, like the
delivery worker's status changes: the row is the record.
"""

from __future__ import annotations

import copy
import datetime
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.db.models.functions import Now

from agents.agent.models import NOT_RUNNING
from agents.common.limits import ACTION_ERROR_MESSAGE_MAX, ACTION_RESULT_MAX_CHARS, JSON_MAX_CHARS
from agents.common.validation import check_json
from agents.reasoning.actions.models import ActionRequest, ActionStatus
from agents.reasoning.actions.policy import backoff, knob, lease
from agents.reasoning.actions.registry import (
    ActionContext,
    ActionFailed,
    PermanentError,
    RetryableError,
    action_args_check,
    action_get,
    actions_known,
)
from agents.reasoning.actions.wakeup import actions_wakeup, actions_wakeup_taken
from agents.reasoning.events.models import EventKind
from agents.reasoning.events.services import agent_event_post
from auditlog.actors import Actor
from mabos.errors import InvalidInput

logger = logging.getLogger("agents.actions")

#: Who posts ``action_result`` events (their source is ``system``, source_name ``actions``).
ACTOR = Actor.system("actions")
#: How many requests one task runs at most.
RUN_LIMIT = 100


@dataclass(frozen=True)
class Outcome:
    result: dict[str, Any] | None = None
    error: ActionFailed | None = None
    usage: dict[str, Any] | None = None


def _at(delay: datetime.timedelta) -> ExpressionWrapper:
    """The database's clock plus ``delay``: the claim compares due times with the same clock."""
    return ExpressionWrapper(Now() + delay, output_field=DateTimeField())


def _claim() -> tuple[ActionRequest | None, bool]:
    """The oldest due request, now running under this worker's lease; and whether more are due."""
    with transaction.atomic():
        due = list(ActionRequest.objects.filter(status=ActionStatus.PENDING, next_attempt_at__lte=Now())
                   .order_by("next_attempt_at").select_related("agent")
                   .select_for_update(skip_locked=True, of=("self",))[:2])
        if not due:
            return None, False
        request = due[0]
        ActionRequest.objects.filter(pk=request.pk).update(status=ActionStatus.RUNNING, attempts=F("attempts") + 1,
                                                           lease_until=_at(lease()))
    request.status, request.attempts = ActionStatus.RUNNING, request.attempts + 1
    return request, len(due) > 1


def _args_problem(exc: InvalidInput) -> str:
    return "; ".join(f"{path}: {' '.join(texts)}" for path, texts in exc.fields.items()) or str(exc.detail)


def action_execute(request: ActionRequest) -> Outcome:
    """Run ``request``'s action once (no transaction is opened here): its result, or the error it came to."""
    spec = action_get(request.name)
    if spec is None:
        return Outcome(error=PermanentError("unknown_action", f"No action {request.name!r} is registered; the actions "
                                                              f"are {', '.join(actions_known()) or 'none'}."))
    if request.agent.status in NOT_RUNNING:
        return Outcome(error=PermanentError("agent_inactive", f"The agent is {request.agent.status}: its actions "
                                                              "are not run."))
    try:
        action_args_check(spec, request.args)
    except InvalidInput as exc:
        return Outcome(error=PermanentError("bad_args", _args_problem(exc)))
    context = ActionContext(request_id=request.pk, name=request.name, agent_id=request.agent_id,
                            organization_id=request.agent.organization_id, agent_name=request.agent.name,
                            attempt=request.attempts, max_attempts=int(knob("MAX_ATTEMPTS")),
                            intention_id=request.intention_id)
    try:
        result = spec.func(copy.deepcopy(request.args), context)
    except ActionFailed as exc:
        return Outcome(error=exc, usage=_usage(context))
    except TimeoutError as exc:
        return Outcome(error=RetryableError("timeout", str(exc) or "timed out"), usage=_usage(context))
    except OSError as exc:
        return Outcome(error=RetryableError("connection_error", f"{type(exc).__name__}: {exc}"), usage=_usage(context))
    except Exception as exc:  # a bug in an action: permanent, and in the log with its traceback
        logger.exception("action %s (request %s) raised", request.name, request.pk)
        return Outcome(error=PermanentError("internal", f"{type(exc).__name__}: {exc}"), usage=_usage(context))
    if not isinstance(result, dict):
        return Outcome(error=PermanentError("bad_result", f"The action returned {type(result).__name__}, "
                                                          "not a JSON object."), usage=_usage(context))
    try:
        check_json("result", result, max_chars=ACTION_RESULT_MAX_CHARS)
    except InvalidInput as exc:
        return Outcome(error=PermanentError("bad_result", _args_problem(exc)), usage=_usage(context))
    return Outcome(result=result, usage=_usage(context))


def _usage(context: ActionContext) -> dict[str, Any] | None:
    if context.usage is None:
        return None
    try:
        return check_json("usage", context.usage, max_chars=JSON_MAX_CHARS)
    except InvalidInput:
        logger.warning("action %s (request %s): its usage is not storable JSON; dropped", context.name,
                       context.request_id)
        return None


def action_record(request: ActionRequest, outcome: Outcome) -> bool:
    """Record ``outcome`` of ``request``'s run (and post the event if it finished); False if the run was
    superseded (its lease ran out and another run claimed the request)."""
    error = outcome.error
    finished = error is None or not error.retryable or request.attempts >= int(knob("MAX_ATTEMPTS"))
    if error is None:
        fields: dict[str, Any] = {"status": ActionStatus.SUCCEEDED, "result": outcome.result, "error": "",
                                  "error_message": ""}
    else:
        fields = {"status": ActionStatus.FAILED if finished else ActionStatus.PENDING, "error": error.code[:64],
                  "error_message": error.message[:ACTION_ERROR_MESSAGE_MAX]}
        if not finished:
            fields["next_attempt_at"] = _at(backoff(request.attempts))
    fields.update(lease_until=None, usage=outcome.usage, finished_at=Now() if finished else None)
    with transaction.atomic():
        # Still this run's: nobody claimed it again (it may have gone back to pending when its lease ran out).
        updated = ActionRequest.objects.filter(pk=request.pk, attempts=request.attempts,
                                               status__in=(ActionStatus.RUNNING, ActionStatus.PENDING)).update(**fields)
        if not updated:
            logger.warning("action request %s: run %d finished after another run took it; not recorded",
                           request.pk, request.attempts)
            return False
        if finished:
            action_result_post(request=request, result=outcome.result, error=error)
    log = logger.info if error is None else logger.warning
    log("action %s (request %s, run %d): %s", request.name, request.pk, request.attempts,
        "succeeded" if error is None else f"{error.code} ({'failed' if finished else 'will retry'}): {error.message}")
    return True


def action_result_post(*, request: ActionRequest, result: dict[str, Any] | None, error: ActionFailed | None) -> None:
    """The ``action_result`` event of a finished request, for its agent, naming its intention."""
    agent_event_post(agent=request.agent, kind=EventKind.ACTION_RESULT, by=ACTOR, intention=request.intention_id,
                     args={"request": str(request.pk), "name": request.name, "result": result,
                           "error": None if error is None else error.code,
                           "message": "" if error is None else error.message[:ACTION_ERROR_MESSAGE_MAX]})


def _default_budget() -> float:
    """Start no call later than this into a task: each call ends within its lease, the task before its soft
    time limit (``ACTIONS_LEASE_SECONDS`` < ``CELERY_TASK_SOFT_TIME_LIMIT``, checked at start-up)."""
    soft = float(getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", 240))
    return max(1.0, soft - float(knob("LEASE_SECONDS")))


def actions_run_due(*, limit: int = RUN_LIMIT, time_budget: float | None = None) -> int:
    """Run due requests one by one until none is due, ``limit`` ran, or ``time_budget`` seconds passed.

    Call it outside any transaction (the Celery task does): each claim must commit before its call. When
    more requests are due than this worker takes, another wake-up hands them to the next free worker.
    """
    budget = _default_budget() if time_budget is None else time_budget
    started = time.monotonic()
    actions_wakeup_taken()  # before the first claim: a request committed after this publishes a new wake-up
    ran, handed_on = 0, False
    while ran < limit and time.monotonic() - started < budget:
        request, more = _claim()
        if request is None:
            break
        if more and not handed_on:
            handed_on = actions_wakeup()
        action_record(request, action_execute(request))
        ran += 1
    return ran
