"""The cancel meta-protocol (FIPA's cancel, for every protocol): the initiator's side calls a waiting run off.

``run_cancel`` is the service an API (or an admin action, another branch) calls for a person or the system:
in one transaction it locks the initiator's runtime row the way the sweeper does (``SKIP LOCKED``: a run is
written only by whoever holds it, so a cycle reasoning the initiator right now makes it a 409 ``run_busy``,
try again), locks the run, applies the table's ``cancel`` move (the run and every open session
``cancelled``), sends ``cancel`` to the participants whose sessions were open, in the run's conversation,
tells the initiator through the closed-run hook (a ``protocol`` event: the waiting ``start_protocol`` step
fails ``cancelled``), and audits it. A run already closed is a 409 ``run_finished`` and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.agent.models import Agent
from agents.common.audit import record
from agents.messaging.services.send import message_send
from agents.protocols.hooks import RunClosed, owners_lock, runs_closed
from agents.protocols.models import ProtocolRun, ProtocolSession
from agents.protocols.services import runs_write
from agents.protocols.transitions import (
    CANCEL_ACT,
    INITIATOR,
    SESSION_TRANSITIONS,
    TERMINAL,
    TRANSITIONS,
    RunState,
)
from auditlog.models import Action
from mabos.errors import Conflict

#: The reason a cancelled run (and the cancel message) carries.
CANCELLED_REASON = "cancelled by the initiator"


def run_cancel(*, run: ProtocolRun, by: Any, reason: str = "") -> ProtocolRun:
    """Cancel ``run`` (any protocol) for ``by``: 409 ``run_finished`` when it is closed, ``run_busy`` when its
    initiator is being reasoned right now; otherwise the run and its open sessions are ``cancelled``."""
    why = (reason or CANCELLED_REASON)[:200]
    with transaction.atomic():
        if run.initiator_id not in owners_lock([run.initiator_id]):
            raise Conflict("The run's initiator is reasoning right now; try again.", code="run_busy")
        locked = ProtocolRun.objects.select_for_update().get(pk=run.pk)
        target = TRANSITIONS.get((locked.protocol, locked.state, CANCEL_ACT, INITIATOR))
        if locked.state in TERMINAL or target is None:
            raise Conflict(f"The run is closed ({locked.state}): there is nothing to cancel.", code="run_finished")
        now = timezone.now()
        sessions = list(ProtocolSession.objects.filter(run=locked).select_for_update())
        told = []
        for session in sessions:
            moved = SESSION_TRANSITIONS.get((locked.protocol, session.state, CANCEL_ACT, INITIATOR)) \
                if locked.protocol in {p for p, *_ in SESSION_TRANSITIONS} else \
                (RunState.CANCELLED if session.state not in TERMINAL else None)
            if moved is not None:
                session.state, session.updated_at = moved, now
                told.append(session.participant_id)
        before = locked.state
        locked.state, locked.phase, locked.reason = target, "closed", why
        locked.finished_at = locked.updated_at = now
        locked.version += 1
        runs_write(new=[], changed=[locked], sessions=sessions)
        if told:
            message_send(organization=locked.organization, sender_agent=Agent.objects.get(pk=locked.initiator_id),
                         by=by, performative="cancel", content={"reason": why}, to=told,
                         conversation_id=locked.pk, protocol=locked.protocol,
                         idempotency_key=f"protocol:{locked.pk}:cancel")
        runs_closed([RunClosed(locked.pk, locked.initiator_id, locked.intention_id, locked.protocol, locked.state,
                               why)])
        record(action=Action.UPDATE, by=by, target=locked, changes={"state": [before, locked.state]}, note=why,
               target_repr=f"{locked.protocol} run {locked.pk}")
    return locked
