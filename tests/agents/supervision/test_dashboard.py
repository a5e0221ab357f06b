"""The dashboard's "Unhealthy agents and recent restarts" panel: failed agents, agents waiting for a restart,
agents the check found stale, and the latest restarts and escalations, of the organizations the viewer may
see, in a number of queries that does not grow with the number of agents."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.models import AgentStatus, AgentSupervision, SupervisionEvent
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.supervision import fail_and_schedule, failing_team

pytestmark = pytest.mark.django_db


def _staff(org, *verbs):
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, *verbs)
    return user


def panel(page: str) -> str:
    match = re.search(r'<section class="mabos-panel" id="mabos-supervision">(.*?)</section>', page, re.S)
    assert match, "the supervision panel is missing"
    return match.group(1)


def test_the_panel_lists_the_viewers_unhealthy_agents_and_recent_restarts_only():
    world = failing_team("worker", "helper")
    fail_and_schedule(world, "worker")
    stale = world.helper
    AgentSupervision.objects.update_or_create(agent=stale, defaults={"stale_since": timezone.now()})
    elsewhere = AgentFactory(organization=OrganizationFactory(), name="Someone Else's", status=AgentStatus.FAILED)
    html = panel(staff_client(_staff(world.org, "view")).get("/admin/").content.decode())
    assert re.search(r'id="mabos-unhealthy-total">2<', html), html
    unhealthy = html.split('id="mabos-unhealthy"')[1].split("</table>")[0]
    assert world.worker.name in unhealthy and "intentions_failing, <time" in unhealthy
    assert stale.name in unhealthy and "stale since" in unhealthy
    assert elsewhere.name not in html and world.boss.name not in unhealthy
    restarts = html.split('id="mabos-restarts"')[1]
    assert "restart scheduled" in restarts and world.worker.name in restarts
    assert "intentions failing" not in restarts  # signals are in the event log, not among the restarts


def test_a_staff_member_seeing_nothing_sees_an_empty_panel():
    world = failing_team("worker")
    fail_and_schedule(world, "worker")
    html = panel(staff_client(_staff(OrganizationFactory(), "view")).get("/admin/").content.decode())
    assert 'id="mabos-unhealthy-total">0<' in html and "No restarts yet." in html


def test_the_panel_costs_the_same_queries_for_one_unhealthy_agent_or_many():
    world = failing_team("worker")
    fail_and_schedule(world, "worker")
    client = staff_client(_staff(world.org, "view"))
    client.get("/admin/")  # warm caches (content types, sessions)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    now = timezone.now()
    for index in range(25):
        agent = AgentFactory(organization=world.org, name=f"Broken {index}", status=AgentStatus.FAILED)
        AgentSupervision.objects.create(agent=agent, restart_at=now + datetime.timedelta(seconds=index),
                                        last_failure={"kinds": ["cycle_errors"]}, last_failure_at=now)
        SupervisionEvent.objects.create(organization=world.org, agent=agent, kind="restart_scheduled",
                                        detail={"strategy": "one_for_one"})
    many = count()
    assert few == many, (few, many)
    html = panel(client.get("/admin/").content.decode())
    assert 'id="mabos-unhealthy-total">26<' in html and "… and 16 more." in html
