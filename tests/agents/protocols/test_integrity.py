"""The integrity checks of protocol runs: clean on runs the cycle made, reporting damage it never makes."""

from __future__ import annotations

import datetime

import pytest

from agents.models import ProtocolRun, ProtocolSession
from mabos.integrity import run_integrity_checks
from tests.support.factories import AgentFactory
from tests.support.reasoning import World, run_with_mail

pytestmark = pytest.mark.django_db


def _violations() -> set[str]:
    return {v.check.name for v in run_integrity_checks() if v.check.name.startswith("agents.protocolrun")}


def test_runs_of_the_cycle_are_clean_and_damage_is_reported():
    world = World("ceo", "cfo")
    world.plans("""+!cut : true <- .start_protocol(request, cfo, null, R).
                   ^message:request(C, Sender) <- .send(Sender, agree, null).""")
    world.goal("ceo", "cut")
    run_with_mail()
    assert _violations() == set()
    run = ProtocolRun.objects.get()
    ProtocolRun.objects.filter(pk=run.pk).update(result_by=run.created_at - datetime.timedelta(hours=1))
    ProtocolSession.objects.filter(run=run).update(participant=AgentFactory())  # another organization's agent
    assert _violations() == {"agents.protocolrun_one_organization", "agents.protocolrun_deadline_swept"}


def test_the_sweeper_task_is_registered_and_on_the_beat_every_second():
    from config.celery import app
    from config.env import load_config
    from config.settings.workers import celery_settings

    app.loader.import_default_modules()
    assert "agents.sweep_protocols" in app.tasks
    beat = celery_settings(load_config({}))["CELERY_BEAT_SCHEDULE"]["agents-sweep-protocols"]
    assert (beat["task"], beat["schedule"], beat["options"]["queue"]) == ("agents.sweep_protocols", 1.0, "reasoning")
    # it outlives the filesystem broker's one-second polling (make run without Redis), which reads it late
    assert beat["options"]["expires"] > 2.0
