"""The admin index is the operator's home: live figures that match the database, of the organizations the viewer
may view, in constant queries; it refreshes itself with a same-origin script."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.models import Agent, AgentStatus, Delivery, IntentionStatus, Message, SimulationDay
from agents.simulation.services.days import simulation_advance
from auditlog.actors import Actor
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.dashboard import CHART_MINUTES, REFRESH_SECONDS, bar_chart, messages_per_minute
from tests.support.actors import SYSTEM, grant
from tests.support.api import create_user
from tests.support.approvals import approval_request
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.health import pretend_workers_and_beat_alive
from tests.support.mind import IntentionFactory
from tests.support.simulation import company_create

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


def make_intentions(agent, **counts: int) -> None:
    """``running=2, achieved=1`` ...: intentions of ``agent`` in each state (finished ones just now)."""
    for status, count in counts.items():
        for _ in range(count):
            IntentionFactory(agent=agent, status=status)


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


def superuser():
    return create_user(is_staff=True, is_superuser=True)


def viewer_of(*organizations, verbs: tuple[str, ...] = ("view",)):
    user = create_user(roles=("viewer",), is_staff=True)
    for organization in organizations:
        grant(user, organization, *verbs)
    return user


def test_the_figures_match_the_database(client, scene):
    organization, sender, recipient = scene
    make_messages(organization, sender, recipient, minutes_ago=[0, 0, 1, 5, 30, 59, 61, 120], dead=2)
    make_intentions(sender, running=2, waiting=1, achieved=3, failed=1)
    IntentionFactory(agent=sender, status=IntentionStatus.ACHIEVED,
                     created_at=timezone.now() - datetime.timedelta(days=3))  # finished before the last day
    audit_record(action=Action.UPDATE, actor=Actor.system(), note="dashboard test")
    pretend_workers_and_beat_alive()
    client.force_login(superuser())

    page = client.get("/admin/").content.decode()

    hour_ago = timezone.now() - datetime.timedelta(minutes=CHART_MINUTES - 1)
    in_last_hour = Message.objects.filter(created_at__gte=hour_ago.replace(second=0, microsecond=0)).count()
    assert figure(page, "mabos-messages-total") == in_last_hour == 6
    assert figure(page, "mabos-pending") == Delivery.objects.filter(status="pending").count() == 6
    assert figure(page, "mabos-dead") == Delivery.objects.filter(status="dead").count() == 2
    for status in AgentStatus.values:
        assert figure(page, f"mabos-agents-{status}") == Agent.objects.filter(status=status).count()
    expected = {"running": 2, "waiting": 1, "achieved": 3, "failed": 1, "dropped": 0}
    assert {state: figure(page, f"mabos-intentions-{state}") for state in expected} == expected
    assert page.count('class="mabos-bar"') == CHART_MINUTES
    assert "update" in page and "system" in page  # the recent audit event
    for name in ("database", "cache", "broker", "workers", "beat", "audit_chain"):
        assert f"<td>{name}</td>" in page


def test_the_series_has_every_minute_of_the_hour(scene):
    organization, sender, recipient = scene
    make_messages(organization, sender, recipient, minutes_ago=[0, 0, 0, 2, 2, 90])
    series = messages_per_minute(user=superuser())
    assert len(series) == CHART_MINUTES
    assert series[-1][1] == 3 and series[-3][1] == 2
    assert sum(count for _, count in series) == 5
    minutes = [minute for minute, _ in series]
    assert minutes == sorted(minutes) and (minutes[-1] - minutes[0]) == datetime.timedelta(minutes=CHART_MINUTES - 1)


def test_a_staff_member_who_may_see_one_organization_sees_only_its_figures(client):
    """Two organizations with different numbers of everything: each viewer reads exactly their own."""
    mine, theirs = OrganizationFactory(name="Mine Ltd"), OrganizationFactory(name="Theirs Inc")
    a1, a2 = AgentFactory(organization=mine, name="Mine One"), AgentFactory(organization=mine, name="Mine Two")
    b = [AgentFactory(organization=theirs, name=f"Theirs {i}") for i in range(3)]
    AgentFactory(organization=theirs, name="Theirs Paused", status=AgentStatus.PAUSED)
    make_messages(mine, a1, a2, minutes_ago=[0, 1, 2])
    make_messages(theirs, b[0], b[1], minutes_ago=[0, 0, 1, 3, 4])
    make_intentions(a1, running=1, waiting=2)
    make_intentions(b[0], running=4, failed=2)
    approval_request(a1, name="pay_rent")
    for agent in b[:2]:
        approval_request(agent, name="buy_stock")
    client.force_login(viewer_of(mine))

    page = client.get("/admin/").content.decode()

    assert figure(page, "mabos-messages-total") == 3
    assert figure(page, "mabos-agents-active") == 2 and figure(page, "mabos-agents-paused") == 0
    assert (figure(page, "mabos-intentions-running"), figure(page, "mabos-intentions-waiting"),
            figure(page, "mabos-intentions-failed")) == (1, 3, 0)  # approval_request's intention waits too
    assert figure(page, "mabos-approvals-total") == 1
    assert "pay_rent" in page and "buy_stock" not in page and "Theirs" not in page
    assert 'id="mabos-deliveries"' not in page and 'id="mabos-audit"' not in page  # the system's own figures

    client.force_login(viewer_of(theirs))
    page = client.get("/admin/").content.decode()
    assert figure(page, "mabos-messages-total") == 5
    assert figure(page, "mabos-agents-active") == 3 and figure(page, "mabos-agents-paused") == 1
    assert (figure(page, "mabos-intentions-running"), figure(page, "mabos-intentions-waiting"),
            figure(page, "mabos-intentions-failed")) == (4, 2, 2)
    assert figure(page, "mabos-approvals-total") == 2 and "pay_rent" not in page

    client.force_login(superuser())
    page = client.get("/admin/").content.decode()
    assert figure(page, "mabos-messages-total") == 8 and figure(page, "mabos-approvals-total") == 3
    assert figure(page, "mabos-agents-active") == 5


def test_a_staff_member_who_may_see_nothing_sees_zeros(client, scene):
    organization, sender, recipient = scene
    make_messages(organization, sender, recipient, minutes_ago=[0, 1])
    approval_request(sender)
    client.force_login(create_user(is_staff=True))
    page = client.get("/admin/").content.decode()
    assert 'id="mabos-health"' in page
    assert figure(page, "mabos-messages-total") == 0 and figure(page, "mabos-approvals-total") == 0
    assert all(figure(page, f"mabos-agents-{status}") == 0 for status in AgentStatus.values)
    assert "Nothing waits for a person." in page
    assert 'id="mabos-audit"' not in page


def test_links_lead_to_the_filtered_changelists(client, scene):
    organization, sender, recipient = scene
    make_messages(organization, sender, recipient, minutes_ago=[1, 2], dead=1)
    client.force_login(superuser())
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


@pytest.mark.parametrize("who", ["administrator", "viewer of one organization"])
def test_constant_queries_whatever_the_volume(client, scene, who):
    organization, sender, recipient = scene
    client.force_login(superuser() if who == "administrator" else viewer_of(organization, verbs=("view", "operate")))
    client.get("/admin/")  # warm caches (content types, sessions)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/").status_code == 200
        return len(ctx.captured_queries)

    make_messages(organization, sender, recipient, minutes_ago=[1, 2, 3])
    make_intentions(sender, running=1, achieved=1)
    approval_request(sender)
    few = count_queries()
    make_messages(organization, sender, recipient, minutes_ago=list(range(60)) * 10, dead=50)
    make_intentions(sender, running=20, waiting=5, achieved=30, failed=5)
    for _ in range(15):
        approval_request(AgentFactory(organization=organization))
    many = count_queries()
    assert few == many, (few, many)
    assert many <= 30


def test_the_page_has_no_inline_script_or_style_and_names_its_refresh(client, scene):
    client.force_login(superuser())
    response = client.get("/admin/")
    page = response.content.decode()
    assert "<svg" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " style=" not in page and "<style" not in page
    assert '<script src="/static/mabos/dashboard.js" defer></script>' in page
    assert f'<div id="mabos-dashboard" data-refresh-seconds="{REFRESH_SECONDS}">' in page
    assert "/static/mabos/dashboard.css" in page
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    for asset in ("dashboard.css", "dashboard.js"):
        assert client.get(f"/static/mabos/{asset}").status_code == 200


def test_the_simulation_has_its_place_empty_by_default(client, scene):
    client.force_login(superuser())
    assert 'id="mabos-simulation"' not in client.get("/admin/").content.decode()


def test_a_simulated_companys_cash_stock_and_orders_are_charted_for_those_who_may_view_it(client, scene):
    company = company_create(name="Simulated Shop")
    for _ in range(3):
        simulation_advance(organization=company.org, by=SYSTEM)
    days = list(SimulationDay.objects.filter(simulation__organization=company.org).order_by("day"))
    client.force_login(viewer_of(company.org))
    page = client.get("/admin/").content.decode()
    panel = page[page.index('id="mabos-simulation"'):]
    for title in ("Simulated Shop: cash", "Simulated Shop: stock on hand", "Simulated Shop: orders a day"):
        assert f"<h3>{title}</h3>" in panel
    assert panel.count("<rect") >= 3 * len(days)  # one bar a simulated day, in each of the three charts
    assert f"day {days[-1].day}: {days[-1].orders} orders" in panel
    assert figure(panel, "mabos-simulation-3") == days[-1].orders
    client.force_login(viewer_of(scene[0]))  # may view another organization only
    assert 'id="mabos-simulation"' not in client.get("/admin/").content.decode()


def test_a_chart_of_any_series_scales_to_its_range():
    chart = bar_chart([(1, 100.0), (2, -50.0), (3, 0.0), (4, 25.5)], title="Cash", unit=" EUR",
                      start_label="day 1", end_label="day 4", describe=lambda day, cash: f"day {day}: {cash}")
    assert (chart.peak, chart.floor, chart.total, chart.last) == (100.0, -50.0, 75.5, 25.5)
    up, down, flat, small = chart.bars
    assert 0 < small.height < up.height
    assert up.y + up.height == pytest.approx(chart.baseline, abs=0.1) and down.y == pytest.approx(chart.baseline, abs=0.1), \
        "bars stand on the zero line, negative ones hang below"
    assert up.height == pytest.approx(2 * down.height, abs=0.2) and flat.height == 0
    assert down.negative and not up.negative
    assert up.title == "day 1: 100.0" and chart.peak_label == "100 EUR" and chart.floor_label == "-50 EUR"
    idle = bar_chart([(minute, 0) for minute in range(5)], title="idle")
    assert {bar.height for bar in idle.bars} == {0} and idle.baseline == idle.height - idle.pad
