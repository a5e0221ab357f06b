"""The registry of actions: what an ``action`` step may name, with the schema of its arguments.

    from agents.reasoning.actions.registry import ActionContext, PermanentError, action

    @action("crm.create_lead", description="A lead in our CRM.",
            schema={"type": "object", "properties": {"name": {"type": "string", "minLength": 1}},
                    "required": ["name"], "additionalProperties": False})
    def create_lead(args: dict, context: ActionContext) -> dict:
        lead = crm_client.create(name=args["name"], idempotency_key=context.idempotency_key)
        return {"lead": lead.id}

An action is a callable ``(args, context) -> dict``: its JSON result comes back to the plan as an
``action_result`` event. It runs **at least once** (a worker that dies after the call and before recording it
is followed by another run), so it passes ``context.idempotency_key`` (the request's id, the same on every
run) to the third party. It signals failure by raising ``RetryableError`` (timeouts, a 5xx, a service
down: the worker retries with back-off) or ``PermanentError`` (the third party said no, a garbage reply:
no retry); ``OSError`` and ``TimeoutError`` count as retryable, any other exception as a permanent
``internal`` error.

A deployment registers its own by listing their modules in ``ACTIONS_MODULES`` (config/env/schema.py):
``AgentsConfig.ready`` imports them, with the built-ins, in every process (the web, to check plans when they
are saved; the workers, to run them).
"""

from __future__ import annotations

import importlib
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from agents.common.errors import invalid
from agents.common.limits import ACTION_NAME_MAX, ACTION_NAME_REGEX
from agents.reasoning.actions.policy import knob
from agents.reasoning.actions.schema import check_value, is_computed, schema_problem

#: The built-in actions' module, always loaded first.
BUILTIN_MODULES = ("agents.reasoning.actions.builtins",)
ANY_ARGS: dict[str, Any] = {"type": "object"}
_NAME = re.compile(ACTION_NAME_REGEX)


class ActionFailed(Exception):
    """An action did not do what was asked. ``code`` is a lower-case word (``timeout``, ``http_status``)."""

    retryable = False

    def __init__(self, code: str, message: str = "", *, retryable: bool | None = None):
        super().__init__(message or code)
        self.code = code
        self.message = message
        if retryable is not None:
            self.retryable = retryable


class RetryableError(ActionFailed):
    """Worth trying again later: a timeout, a refused connection, a 5xx, an open circuit breaker."""

    retryable = True


class PermanentError(ActionFailed):
    """Trying again would fail again: a 4xx, a garbage reply, arguments the third party refuses."""

    retryable = False


@dataclass
class ActionContext:
    """What an action knows of its request besides its args. ``usage`` is filled by ``record_usage``."""

    request_id: uuid.UUID
    name: str
    agent_id: uuid.UUID
    organization_id: uuid.UUID
    agent_name: str
    attempt: int
    max_attempts: int
    intention_id: uuid.UUID | None = None
    usage: dict[str, Any] | None = field(default=None)

    @property
    def idempotency_key(self) -> str:
        """The key to give the third party: the request's id, the same on every run of this request."""
        return str(self.request_id)

    def record_usage(self, **figures: Any) -> None:
        """Keep what this run cost (tokens, cost) on the request's ``usage`` column."""
        self.usage = {**(self.usage or {}), **figures}


ActionFunc = Callable[[dict[str, Any], ActionContext], dict[str, Any]]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    func: ActionFunc
    schema: dict[str, Any]
    description: str = ""

    @property
    def origin(self) -> str:
        return f"{getattr(self.func, '__module__', '?')}.{getattr(self.func, '__qualname__', '?')}"


_lock = threading.Lock()
_registry: dict[str, ActionSpec] = {}


def action_register(name: str, func: ActionFunc, *, schema: dict[str, Any] | None = None,
                    description: str = "") -> ActionSpec:
    """Register ``func`` as the action ``name``. A bad name or schema, or a name another function holds, is
    ``ImproperlyConfigured``: a deployment finds out when its processes start, not when a plan runs."""
    if not isinstance(name, str) or len(name) > ACTION_NAME_MAX or not _NAME.match(name):
        raise ImproperlyConfigured(f"Action name {name!r}: lower-case words joined by dots (crm.create_lead), "
                                   f"at most {ACTION_NAME_MAX} characters.")
    schema = ANY_ARGS if schema is None else schema
    problem = schema_problem(schema) or (None if schema.get("type", "object") == "object" else
                                         "schema.type must be object: an action's args are a JSON object.")
    if problem:
        raise ImproperlyConfigured(f"Action {name}: {problem}")
    spec = ActionSpec(name=name, func=func, schema=schema, description=description)
    with _lock:
        existing = _registry.get(name)
        if existing is not None and existing.origin != spec.origin:
            raise ImproperlyConfigured(f"Action {name} is registered twice: by {existing.origin} and {spec.origin}.")
        _registry[name] = spec  # the same function again (a module imported twice): the newer one
    return spec


def action(name: str, *, schema: dict[str, Any] | None = None, description: str = "") -> Callable[[ActionFunc],
                                                                                                   ActionFunc]:
    """Decorator: register the function as the action ``name`` (see the module)."""
    def register(func: ActionFunc) -> ActionFunc:
        action_register(name, func, schema=schema, description=description or (func.__doc__ or "").strip())
        return func
    return register


def action_unregister(name: str) -> None:
    """Forget an action (tests that register one of their own)."""
    with _lock:
        _registry.pop(name, None)


def action_get(name: str) -> ActionSpec | None:
    return _registry.get(name)


def actions_known() -> list[str]:
    """Every registered action's name, sorted."""
    return sorted(_registry)


def actions_load(modules: Iterable[str] | None = None) -> None:
    """Import the built-ins and ``modules`` (default ``ACTIONS_MODULES``): importing a module registers its
    actions. A module that cannot be imported stops the process's start (``ImproperlyConfigured``)."""
    if modules is None:
        modules = knob("MODULES")
    for module in (*BUILTIN_MODULES, *modules):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ImproperlyConfigured(f"ACTIONS_MODULES: cannot import {module!r}: {exc}") from exc


def action_args_check(spec: ActionSpec, args: Any, *, path: str = "args", partial: bool = False) -> None:
    """``args`` against the action's schema: a 400 naming the first bad field (``args.url``)."""
    if partial and is_computed(args):
        return  # the whole args computed when the step runs: checked then
    if not isinstance(args, dict):
        raise invalid(path, "Must be a JSON object.")
    check_value(spec.schema, args, path, partial=partial)


def action_step_check(path: str, step: dict[str, Any]) -> None:
    """A plan's ``action`` step when the plan is saved: the action is registered, and what the plan writes
    literally in its args fits the action's schema (computed parts are checked when the step runs)."""
    spec = action_get(step["name"])
    if spec is None:
        raise invalid(f"{path}.name", f"Unknown action {step['name']!r}; the actions are "
                                      f"{', '.join(actions_known()) or 'none'}.")
    action_args_check(spec, step.get("args", {}), path=f"{path}.args", partial=True)
