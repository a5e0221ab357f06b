"""Supervision in /metrics: restarts, scheduled restarts and escalations counted once each when the check's
transaction commits, with bounded labels; heartbeat ages and agents by state read at scrape time; and
readiness, which stays about the platform: a failed agent is supervision's business, not a failed platform."""

from __future__ import annotations

import pytest

from agents.models import AgentStatus
from agents.supervision.services.check import supervision_check
from tests.support.health import pretend_workers_and_beat_alive, ready_detail
from tests.support.metrics import scrape, value
from tests.support.reasoning import run_cycles
from tests.support.supervision import back_off_over, fail_and_schedule, failing_team

pytestmark = pytest.mark.django_db(transaction=True)  # the counters move on commit


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_a_restart_and_an_escalation_are_counted_once_each(client, quiet):
    world = failing_team("worker", intensity=1)
    before = scrape(client)
    fail_and_schedule(world, "worker")
    scheduled = scrape(client)
    assert moved(before, scheduled, "mabos_supervision_restarts_scheduled_total", strategy="one_for_one") == 1
    assert moved(before, scheduled, "mabos_supervision_events_total", kind="intentions_failing") == 1
    assert moved(before, scheduled, "mabos_supervision_restarts_total", strategy="one_for_one") == 0
    assert value(scheduled, "mabos_supervision_agents", state="failed") >= 1
    assert value(scheduled, "mabos_supervision_agents", state="restart_due") >= 1

    back_off_over(world.worker)
    supervision_check()
    restarted = scrape(client)
    assert moved(scheduled, restarted, "mabos_supervision_restarts_total", strategy="one_for_one") == 1
    assert moved(scheduled, restarted, "mabos_supervision_events_total", kind="restarted") == 1

    run_cycles()  # it fails again: past its intensity (1 in the period), it is escalated to its leader
    supervision_check()
    world.worker.refresh_from_db()
    assert world.worker.status == AgentStatus.FAILED
    escalated = scrape(client)
    assert moved(restarted, escalated, "mabos_supervision_escalations_total", to="agent") == 1
    assert moved(restarted, escalated, "mabos_supervision_restarts_scheduled_total", strategy="one_for_one") == 0
    supervision_check()  # nothing new happened: nothing more is counted
    assert moved(escalated, scrape(client), "mabos_supervision_events_total", kind="escalated") == 0


def test_labels_are_bounded_and_the_heartbeat_gauges_are_there(client, quiet):
    world = failing_team("worker", "helper")
    fail_and_schedule(world, "worker")
    samples = scrape(client)
    ids = {str(agent.pk) for agent in world.agents.values()} | {str(world.org.pk)}
    supervision = {key: number for key, number in samples.items() if key[0].startswith("mabos_supervision_")}
    assert supervision, "no supervision series in /metrics"
    for (_name, labels) in supervision:
        assert not ids & {label_value for _, label_value in labels}, labels
        assert {label for label, _ in labels} <= {"kind", "strategy", "to", "state", "le"}, labels
    assert ("mabos_supervision_heartbeat_oldest_seconds", ()) in samples
    # boss and helper are active and supervised (the worker is failed): counted under "+Inf" once they beat
    within = value(samples, "mabos_supervision_heartbeat_within_agents", le="+Inf")
    never = value(samples, "mabos_supervision_heartbeat_never_agents")
    assert within + never >= 2


def test_a_failed_agent_does_not_make_readiness_fail(client, quiet):
    world = failing_team("worker")
    fail_and_schedule(world, "worker")
    world.worker.refresh_from_db()
    assert world.worker.status == AgentStatus.FAILED
    pretend_workers_and_beat_alive()
    status, body = ready_detail(client)
    assert status == 200 and body["status"] == "ok", body
    assert not [name for name in body["checks"] if "agent" in name or "supervis" in name], body["checks"]
