"""Consistency checks of protocol runs (``manage.py check_integrity``): what the services keep, checked again."""

from __future__ import annotations

import datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from agents.protocols.models import ProtocolRun, ProtocolSession
from agents.protocols.transitions import RunState
from mabos.integrity import integrity_check

#: How long past its deadline a waiting run may stay before it says the sweeper is not running.
SWEEP_GRACE = datetime.timedelta(minutes=5)


@integrity_check("agents.protocolrun_one_organization",
                 "A protocol run's initiator and participants are agents of the run's organization.")
def runs_across_organizations() -> QuerySet[ProtocolSession]:
    return ProtocolSession.objects.filter(
        ~Q(participant__organization_id=F("run__organization_id"))
        | ~Q(run__initiator__organization_id=F("run__organization_id")))


@integrity_check("agents.protocolrun_deadline_swept",
                 "No run waits more than five minutes past its deadline (the protocol sweeper runs on beat).")
def runs_never_swept() -> QuerySet[ProtocolRun]:
    before = timezone.now() - SWEEP_GRACE
    return ProtocolRun.objects.filter(Q(state=RunState.AWAITING_RESPONSE, response_by__lt=before)
                                      | Q(state__in=[RunState.AWAITING_RESULT, RunState.AWAITING_DECISION],
                                          result_by__lt=before))
