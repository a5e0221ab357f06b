"""Deadlines: every waiting phase of a run has one; the sweeper (a beat task, every second) fires them.

Per sweep, in one transaction: the runs whose deadline in force passed (the two partial indexes
``protocolrun_response_due_idx``, ``protocolrun_result_due_idx``); their initiators' runtime rows locked
``SKIP LOCKED`` through reasoning's hook (an initiator being reasoned right now is left for the next sweep,
a second later); those runs locked ``FOR UPDATE SKIP LOCKED``; the ``timeout`` move of the table applied to
each (``services.run_timeout``); and the initiators told, through the closed-run hook (a ``protocol`` event
that wakes the intention waiting on the run). A deadline therefore fires within a sweep interval (plus a
batch's duration) of its time.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agents.protocols.contract_net import cnet_timeout, proposals
from agents.protocols.hooks import RunClosed, owners_lock, runs_closed
from agents.protocols.models import ProtocolRun, ProtocolSession
from agents.protocols.outcomes import TERMINAL_OUTCOME
from agents.protocols.services import run_timeout, runs_write
from agents.protocols.transitions import CONTRACT_NET, RunState


def _due(now: datetime.datetime) -> Q:
    return (Q(state=RunState.AWAITING_RESPONSE, response_by__lte=now)
            | Q(state__in=[RunState.AWAITING_RESULT, RunState.AWAITING_DECISION], result_by__lte=now))


def protocols_sweep(*, limit: int = 500, now: datetime.datetime | None = None) -> int:
    """Fire the timeouts of up to ``limit`` runs whose deadline passed; the number closed."""
    with transaction.atomic():
        now = now or timezone.now()
        due = list(ProtocolRun.objects.filter(_due(now)).order_by("id").values_list("id", "initiator_id")[:limit])
        if not due:
            return 0
        owners = owners_lock(sorted({initiator for _, initiator in due}, key=str))
        ids = [pk for pk, initiator in due if initiator in owners]
        if not ids:
            return 0
        runs = list(ProtocolRun.objects.filter(_due(now), pk__in=ids).order_by("id")
                    .select_for_update(skip_locked=True))
        sessions: dict[object, list[ProtocolSession]] = defaultdict(list)
        for session in ProtocolSession.objects.filter(run_id__in=[run.pk for run in runs]):
            sessions[session.run_id].append(session)
        closed = []
        for run in runs:
            collecting = run.state == RunState.AWAITING_RESPONSE
            timeout = cnet_timeout if run.protocol == CONTRACT_NET else run_timeout
            if timeout(run=run, sessions=sessions[run.pk], now=now).verdict == TERMINAL_OUTCOME:
                closed.append(RunClosed(run.pk, run.initiator_id, run.intention_id, run.protocol, run.state,
                                        run.reason))
            elif collecting and run.state == RunState.AWAITING_DECISION:
                # Contract-Net: the reply-by deadline closed the call; the initiator decides on the proposals.
                closed.append(RunClosed(run.pk, run.initiator_id, run.intention_id, run.protocol, run.state,
                                        run.reason, proposals(sessions[run.pk])))
        runs_write(new=[], changed=runs, sessions=[s for run in runs for s in sessions[run.pk]])
        runs_closed(closed)
        return len(closed)
