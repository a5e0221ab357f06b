"""The admin index is the operator's home: live figures that match the database, in constant queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.models import Agent, AgentStatus, Delivery, Message
from auditlog.actors import Actor
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.dashboard import CHART_MINUTES, messages_per_minute
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.health import pretend_workers_and_beat_alive

pytestmark = pytest.mark.django_db


def make_messages(organization, sender, recipient, *, minutes_ago: list[int], dead: int = 0) -> None:
    """Rows as message_send leaves them (one delivery each), at chosen times."""
    now = timezone.now()
    messages = Message.objects.bulk_create([
        Message(organization=organization, sender_agent=sender, performative="inform", content={"i": i},
                recipient_count=1, created_at=now - datetime.timedelta(minutes=m, seconds=1))
        for i, m in enumerate(minutes_ago)])
    Delivery.objects.bulk_create([
        Delivery(message=message, recipient=recipient, conversation_id=message.conversation_id,
                 sent_at=message.created_at, next_attempt_at=message.created_at, updated_at=now,
                 status="dead" if i < dead else "pending")
        for i, message in enumerate(messages)])


@pytest.fixture
def scene():
    organization = OrganizationFactory()
    sender, recipient = AgentFactory(organization=organization), AgentFactory(organization=organization)
    AgentFactory(organization=organization, status=AgentStatus.PAUSED)
    return organization, sender, recipient


def figure(page: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}"[^>]*>(\d+)<', page)
    assert match, element_id
    return int(match.group(1))


def test_the_figures_match_the_database(client, scene):
    organization, sender, recipient = scene
    make_messages(organization, sender, recipient, minutes_ago=[0, 0, 1, 5, 30, 59, 61, 120], dead=2)
    audit_record(action=Action.UPDATE, actor=Actor.system(), note="dashboard test")
    pretend_workers_and_beat_alive()
    client.force_login(create_user(is_staff=True, is_superuser=True))

    page = client.get("/admin/").content.decode()

    hour_ago = timezone.now() - datetime.timedelta(minutes=CHART_MINUTES - 1)
    in_last_hour = Message.objects.filter(created_at__gte=hour_ago.replace(second=0, microsecond=0)).count()
    assert figure(page, "mabos-messages-total") == in_last_hour == 6
    assert figure(page, "mabos-pending") == Delivery.objects.filter(status="pending").count() == 6
    assert figure(page, "mabos-dead") == Delivery.objects.filter(status="dead").count() == 2
    for status in AgentStatus.values:
        assert figure(page, f"mabos-agents-{status}") == Agent.objects.filter(status=status).count()
    assert page.count('class="mabos-bar"') == CHART_MINUTES
    assert "update" in page and "system" in page  # the recent audit event
    for name in ("database", "cache", "broker", "workers", "beat", "audit_chain"):
        assert f"<td>{name}</td>" in page


def test_the_series_has_every_minute_of_the_hour(scene):
    organization, sender, recipient = scene
    make_messages(organization, sender, recipient, minutes_ago=[0, 0, 0, 2, 2, 90])
    series = messages_per_minute()
    assert len(series) == CHART_MINUTES
    assert series[-1][1] == 3 and series[-3][1] == 2
    assert sum(count for _, count in series) == 5
    minutes = [minute for minute, _ in series]
    assert minutes == sorted(minutes) and (minutes[-1] - minutes[0]) == datetime.timedelta(minutes=CHART_MINUTES - 1)


def test_links_lead_to_the_filtered_changelists(client, scene):
    organization, sender, recipient = scene
    make_messages(organization, sender, recipient, minutes_ago=[1, 2], dead=1)
    client.force_login(create_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/").content.decode()
    dead_link = re.search(r'<a id="mabos-dead" href="([^"]+)"', page).group(1)
    assert client.get(dead_link).status_code == 200
    pending_link = re.search(r'<a id="mabos-pending" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    listed = client.get(pending_link)
    assert listed.status_code == 200
    pending = Delivery.objects.get(status="pending").pk  # the other message's delivery is dead
    shown = set(re.findall(r'/admin/agents/delivery/([0-9a-f-]{36})/change/', listed.content.decode()))
    assert shown == {str(pending)}, "the pending link lists the deliveries not yet handed over, only them"
    assert client.get(f"/admin/agents/agent/?status__exact={AgentStatus.PAUSED}").status_code == 200


def test_constant_queries_whatever_the_volume(client, scene):
    organization, sender, recipient = scene
    client.force_login(create_user(is_staff=True, is_superuser=True))
    client.get("/admin/")  # warm caches (content types, sessions)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/").status_code == 200
        return len(ctx.captured_queries)

    make_messages(organization, sender, recipient, minutes_ago=[1, 2, 3])
    few = count_queries()
    make_messages(organization, sender, recipient, minutes_ago=list(range(60)) * 10, dead=50)
    many = count_queries()
    assert few == many, (few, many)
    assert many <= 20


def test_the_page_needs_no_inline_script_or_style(client, scene):
    client.force_login(create_user(is_staff=True, is_superuser=True))
    response = client.get("/admin/")
    page = response.content.decode()
    assert "<svg" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " style=" not in page and "<style" not in page
    assert "/static/mabos/dashboard.css" in page
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert client.get("/static/mabos/dashboard.css").status_code == 200


def test_staff_who_are_not_administrators_see_health_but_not_the_figures(client, scene):
    client.force_login(create_user(is_staff=True))
    page = client.get("/admin/").content.decode()
    assert 'id="mabos-health"' in page
    assert 'id="mabos-messages"' not in page and 'id="mabos-audit"' not in page
