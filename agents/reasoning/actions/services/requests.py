"""``action_requests_insert``: the cycle's outbox write for ``action`` steps, one statement for a batch.

The cycle calls it inside its own transaction, with the intention's step: the request commits with the
step that asked for it, or not at all. ``ON CONFLICT (idempotency_key) DO NOTHING``: a replayed cycle (its
transaction rolled back after a crash, then run again) derives the same keys and inserts nothing twice.
After the commit an action worker is woken (wakeup.py).

The action's name and args are checked against the registry when the request runs, not here: an unknown
action or bad args fail that request (``unknown_action``, ``bad_args``) and come back to the intention as
its ``action_result``, like any other failure. What is checked here is what the table cannot hold: a name
that is no action name, a key that is empty or too long, args that are no JSON object or too large. Those
are a 400 naming ``requests[i].<field>``, raised before the transaction is touched, so the cycle can fail
just that step (``action_request_check`` checks one request the same way).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from agents.common.errors import invalid
from agents.common.limits import ACTION_ARGS_MAX_CHARS, ACTION_KEY_MAX, ACTION_NAME_MAX, ACTION_NAME_REGEX
from agents.common.validation import check_json, parse_uuid
from agents.reasoning.actions.models import ActionRequest
from agents.reasoning.actions.wakeup import actions_wakeup_after_commit
from mabos import storable

_NAME = re.compile(ACTION_NAME_REGEX)
#: Rows per INSERT statement (6 parameters each; PostgreSQL takes at most 65 535 in one statement).
INSERT_BATCH = 2000
_COLUMNS = ("id", "agent", "intention", "idempotency_key", "name", "args")


@dataclass(frozen=True)
class NewActionRequest:
    """An action for an agent to run: ``agent`` and ``intention`` are instances or their ids. ``id``: the
    request's id when the caller must know it before the insert (the cycle derives it from the key, so the
    waiting intention names it); a new one otherwise."""

    agent: Any
    name: str
    idempotency_key: str
    args: dict[str, Any] = field(default_factory=dict)
    intention: Any = None
    id: Any = None


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def action_request_check(request: NewActionRequest, *, index: int | None = None) -> None:
    """What the table could not store is a 400 naming ``requests[index].<field>`` (``<field>`` alone without)."""
    prefix = "" if index is None else f"requests[{index}]."
    if parse_uuid(_pk(request.agent)) is None:
        raise invalid(f"{prefix}agent", f"{request.agent!r} is not a valid id.")
    if request.intention is not None and parse_uuid(_pk(request.intention)) is None:
        raise invalid(f"{prefix}intention", f"{request.intention!r} is not a valid id.")
    name = request.name
    if not isinstance(name, str) or len(name) > ACTION_NAME_MAX or not _NAME.match(name):
        raise invalid(f"{prefix}name", "An action's name: lower-case words joined by dots (crm.create_lead).")
    key = request.idempotency_key
    if not isinstance(key, str) or not key or len(key) > ACTION_KEY_MAX or storable.text_problem(key):
        raise invalid(f"{prefix}idempotency_key", f"A text of 1 to {ACTION_KEY_MAX} characters.")
    if not isinstance(request.args, dict):
        raise invalid(f"{prefix}args", "Must be a JSON object.")
    check_json(f"{prefix}args", request.args, max_chars=ACTION_ARGS_MAX_CHARS)


def action_requests_insert(*, requests: Sequence[NewActionRequest]) -> int:
    """Insert ``requests`` in the caller's transaction, skipping keys already there; how many were inserted.

    One ``INSERT ... ON CONFLICT DO NOTHING`` (per INSERT_BATCH rows), and one wake-up after the commit if
    anything was inserted. The checks run first and raise before any statement (see the module).
    """
    many = len(requests) > 1
    for index, request in enumerate(requests):
        action_request_check(request, index=index if many else None)
    if not requests:
        return 0
    return _insert(requests)


@transaction.atomic(savepoint=False)
def _insert(requests: Sequence[NewActionRequest]) -> int:
    meta = ActionRequest._meta
    fields = [meta.get_field(name) for name in _COLUMNS]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # In key order: two cycles inserting overlapping keys take the unique index's locks in the same order.
    ordered = sorted(requests, key=lambda request: request.idempotency_key)
    inserted = 0
    for start in range(0, len(ordered), INSERT_BATCH):
        chunk = ordered[start:start + INSERT_BATCH]
        params: list[Any] = []
        for request in chunk:
            values = (request.id or ActionRequest._meta.pk.default(), parse_uuid(_pk(request.agent)),
                      None if request.intention is None else parse_uuid(_pk(request.intention)),
                      request.idempotency_key, request.name, request.args)
            params.extend(f.get_db_prep_value(value, connection) for f, value in zip(fields, values, strict=True))
        rows = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(chunk))
        sql = (f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES {rows} "  # noqa: S608
               f"ON CONFLICT ({connection.ops.quote_name(meta.get_field('idempotency_key').column)}) DO NOTHING "
               f"RETURNING {connection.ops.quote_name(meta.pk.column)}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted += len(cursor.fetchall())
    if inserted:
        actions_wakeup_after_commit()
    return inserted
