"""How the admin shows values (mabos/display/): dates relative ("12 s ago", "in 4 min") with the UTC time on hover,
in list columns, read-only fields, the dashboard and an agent's mind; long JSON folded in a <details>; list
columns naming an agent or an organization linked to its page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from agents.models import Message
from mabos.display.dates import relative_time, relative_words
from mabos.display.folding import json_folded
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.approvals import approval_request
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.messaging import send
from tests.support.mind import CycleTraceFactory

NOW = datetime.datetime(2026, 12, 4, 1, 24, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("delta", "words"), [
    (datetime.timedelta(seconds=12), "12 s ago"),
    (datetime.timedelta(seconds=0.4), "0 s ago"),
    (datetime.timedelta(minutes=3, seconds=59), "3 min ago"),
    (datetime.timedelta(hours=2, minutes=30), "2 h ago"),
    (datetime.timedelta(days=5, hours=23), "5 d ago"),
    (-datetime.timedelta(minutes=4, seconds=10), "in 4 min"),
    (-datetime.timedelta(seconds=30), "in 30 s"),
    (-datetime.timedelta(days=2), "in 2 d"),
])
def test_the_words(delta, words):
    assert relative_words(NOW - delta, NOW) == words


def test_the_element_carries_the_iso_time_and_the_utc_time_on_hover():
    moment = NOW - datetime.timedelta(seconds=15)
    assert relative_time(moment, NOW) == ('<time class="mabos-time" datetime="2026-12-04T01:23:45+00:00" '
                                          'title="2026-12-04 01:23:45 UTC">15 s ago</time>')
    berlin = moment.astimezone(datetime.timezone(datetime.timedelta(hours=1)))
    assert relative_time(berlin, NOW) == relative_time(moment, NOW), "shown in UTC whatever the value's zone"
    rendered = Template("{% load mabos_display %}{{ when|ago }}|{{ none|ago }}").render(
        Context({"when": timezone.now() - datetime.timedelta(seconds=12), "none": None}))
    assert re.fullmatch(r'<time class="mabos-time" datetime="[^"]+" title="[^"]+ UTC">1[23] s ago</time>\|None',
                        rendered), rendered


def test_long_json_is_folded_and_short_json_is_not():
    short = json_folded({"runway": 7})
    assert short.startswith('<pre class="mabos-json">') and "<details" not in short
    long = json_folded({"lines": [{"n": i, "text": "an invoice line"} for i in range(20)]})
    assert long.startswith('<details class="mabos-fold"><summary><code>{&quot;lines&quot;: [{&quot;n&quot;: 0')
    assert "lines)</span></summary><pre class=\"mabos-json\">" in long and long.endswith("</pre></details>")


def utc_title(moment: datetime.datetime) -> str:
    return f'title="{moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC"'


@pytest.mark.django_db
def test_list_columns_and_read_only_fields_say_dates_relatively():
    admin = staff_client(create_user(is_staff=True, is_superuser=True))
    agent = AgentFactory(name="Dated Agent")
    created = timezone.now() - datetime.timedelta(seconds=12)
    Message.objects.filter(pk=send(agent, to=[agent.pk], content={"n": 1}).message.pk).update(created_at=created)
    listed = admin.get("/admin/agents/message/").content.decode()
    assert re.search(rf'<time class="mabos-time" datetime="[^"]+" {utc_title(created)}>1[234] s ago</time>', listed)

    request = approval_request(agent, seconds=600)
    page = admin.get(f"/admin/agents/approvalrequest/{request.pk}/change/").content.decode()
    assert re.search(rf'{utc_title(request.deadline)}>in (9|10) min</time>', page), "a future date: in …"
    assert re.search(r"\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\b(?! UTC)", re.sub(r'title="[^"]*"', "", page)) is None, \
        "no absolute date left outside the hover"


@pytest.mark.django_db
def test_the_dashboard_and_the_mind_say_dates_relatively():
    admin = staff_client(create_user(is_staff=True, is_superuser=True))
    agent = AgentFactory(name="Thinking Agent")
    at = timezone.now() - datetime.timedelta(minutes=3, seconds=5)
    CycleTraceFactory(agent=agent, at=at)
    page = admin.get(f"/admin/agents/agent/{agent.pk}/change/").content.decode()
    mind = page.split('id="mind-trace"', 1)[1]
    assert re.search(rf'{utc_title(at)}>3 min ago</time>', mind)
    dashboard = admin.get("/admin/").content.decode()
    audit = dashboard.split('id="mabos-audit"', 1)[1]
    assert re.search(r'<td><time class="mabos-time" datetime="[^"]+" title="[^"]+ UTC">\d+ (s|min) ago</time></td>',
                     audit)


@pytest.mark.django_db
def test_list_columns_naming_an_agent_or_organization_link_to_its_page():
    org = OrganizationFactory(name="Linked Org")
    agent = AgentFactory(organization=org, name="Linked Agent")
    request = approval_request(agent)
    admin = staff_client(create_user(is_staff=True, is_superuser=True))
    listed = admin.get("/admin/agents/approvalrequest/").content.decode()
    row = listed.split(f'/admin/agents/approvalrequest/{request.pk}/change/', 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/admin/agents/agent/{agent.pk}/change/">Linked Agent</a>' in row
    agents = admin.get("/admin/agents/agent/").content.decode()
    assert f'<a href="/admin/agents/organization/{org.pk}/change/">Linked Org</a>' in agents
