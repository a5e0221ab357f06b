"""An agent's admin page reads as a page about the agent (issue 19, part 4), the form one click away.

Its status with a badge and the lifecycle buttons (each asking a reason, through the same service and audit
as the changelist's actions, operate needed), heartbeat, organization, role, supervisor and groups; beliefs
as a key/value table; the goal tree; messages in and out with previews and links; dead letters; the audit
trail's link. The standard form is at ``?edit=1``; its inline titles name things, never UUIDs. The page costs
the same queries for an agent with a few messages and beliefs as for one with many.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.agent.services.groups import membership_add
from agents.agent.services.lifecycle import agent_pause
from agents.messaging.models import Delivery
from agents.messaging.services.dead_letters import dead_letter
from agents.messaging.services.subscriptions import subscription_create
from agents.models import AgentStatus
from agents.reasoning.services.beliefs import belief_set
from agents.reasoning.services.goals import goal_create
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.admin import agent_form, staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, AgentGroupFactory, AgentRoleFactory, OrganizationFactory
from tests.support.messaging import send

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def world():
    org = OrganizationFactory(name="Demo Online Retailer")
    ceo = AgentFactory(organization=org, name="CEO", slug="ceo", role=AgentRoleFactory(organization=org, name="Chief"))
    cfo = AgentFactory(organization=org, name="CFO", slug="cfo", supervisor=ceo,
                       role=AgentRoleFactory(organization=org, name="Finance chief"))
    cmo = AgentFactory(organization=org, name="CMO", slug="cmo")
    leadership = AgentGroupFactory(organization=org, name="Leadership team")
    membership_add(group=leadership, agent=cfo, role="leader", by=SYSTEM)
    return {"org": org, "ceo": ceo, "cfo": cfo, "cmo": cmo, "group": leadership}


@pytest.fixture
def admin_client(db):
    user = create_user("page-admin", roles=("administrator",), is_staff=True)
    return staff_client(user)


def _page(client, agent, query: str = "") -> str:
    response = client.get(reverse("admin:agents_agent_change", args=[agent.pk]) + query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _fill(world, n: int) -> None:
    """``n`` beliefs, ``n`` messages in and out, ``n`` goals and one dead letter on the CFO."""
    cfo, ceo, cmo = world["cfo"], world["ceo"], world["cmo"]
    for index in range(n):
        belief_set(agent=cfo, key=f"fact_{index}", value={"n": index}, by=SYSTEM)
        send(cmo, to=[cfo.pk], content={"text": f"question {index}"})
        send(cfo, to=[cmo.pk], content={"text": f"answer {index}"})
    for index in range(n):
        goal_create(agent=cfo, name=f"goal_{index}", by=SYSTEM)
    lost = send(ceo, to=[cfo.pk], content={"text": "lost in the post"}).message
    dead_letter(delivery_id=Delivery.objects.get(message=lost, recipient=cfo).pk, reason="recipient unreachable")


def test_the_page_is_about_the_agent_and_the_form_is_behind_edit(world, admin_client):
    cfo = world["cfo"]
    belief_set(agent=cfo, key="monthly_costs", value={"eur": 12000}, by=SYSTEM)
    send(world["cmo"], to=[cfo.pk], content={"text": "what is our runway?"})
    reply = send(cfo, to=[world["cmo"].pk, world["ceo"].pk], performative="inform", content={"months": 7}).message
    subscription_create(agent=cfo, topic_pattern="finance.*", by=SYSTEM)
    page = _page(admin_client, cfo)
    assert 'id="cfo_form"' not in page and 'id="agent_form"' not in page, "no edit form on the page"
    assert 'class="agent-status agent-status-active"' in page
    facts = page.split('id="agent-facts"')[1].split("</dl>")[0]
    assert "Demo Online Retailer" in facts and "Finance chief" in facts and ">CEO</a>" in facts
    assert "Leadership team</a> (leader)" in facts and "never" in facts  # its heartbeat
    beliefs = page.split('id="agent-beliefs"')[1].split("</table>")[0]
    assert "<code>monthly_costs</code>" in beliefs and "{&quot;eur&quot;: 12000}" in beliefs, "JSON, not a repr"
    assert "?edit=1#beliefs-group" in beliefs
    incoming = page.split('id="agent-messages-in"')[1].split("</table>")[0]
    assert "CMO" in incoming and "what is our runway?" in incoming
    outgoing = page.split('id="agent-messages-out"')[1].split("</table>")[0]
    assert reverse("admin:agents_message_change", args=[reply.pk]) in outgoing
    assert "{&quot;months&quot;: 7}" in outgoing and "2 pending" in outgoing
    assert re.search(r'>CEO</a>, <a href="/admin/agents/agent/[0-9a-f-]{36}/change/">CMO</a>', outgoing), \
        "each recipient named and linked to its page"
    assert "finance.*" in page and 'id="mind-goals"' in page and "Pending events" in page
    audit = reverse("admin:auditlog_auditevent_changelist") + f"?target_type=agents.agent&amp;target_id={cfo.pk}"
    assert audit in page
    assert reverse("admin:agents_agent_send", args=[cfo.pk]) in page
    edit = _page(admin_client, cfo, "?edit=1")
    assert 'id="agent_form"' in edit and 'id="beliefs-group"' in edit and "Back to the agent's page" in edit


def test_the_audit_trail_link_lists_the_agents_events(world, admin_client):
    cfo = world["cfo"]
    agent_pause(agent=cfo, by=SYSTEM)
    agent_pause(agent=world["cmo"], by=SYSTEM)
    response = admin_client.get(reverse("admin:auditlog_auditevent_changelist"),
                                {"target_type": "agents.agent", "target_id": str(cfo.pk)})
    assert response.status_code == 200
    shown = [event.target_id for event in response.context["cl"].result_list]
    assert shown == [str(cfo.pk)]


def test_inline_titles_name_things_not_uuids(world, admin_client):
    cfo = world["cfo"]
    belief_set(agent=cfo, key="cash", value=1, by=SYSTEM)
    subscription_create(agent=cfo, topic_pattern="finance.*", performative="inform", by=SYSTEM)
    edit = _page(admin_client, cfo, "?edit=1")
    titles = re.findall(r'<td class="original">\s*<p>\s*(.*?)\s*</p>', edit, re.S)
    assert "CFO in Leadership team (leader)" in titles
    assert "finance.* (inform)" in titles
    assert titles and not any(UUID.search(title) for title in titles), titles
    group_page = admin_client.get(reverse("admin:agents_agentgroup_change", args=[world["group"].pk]))
    group_titles = re.findall(r'<td class="original">\s*<p>\s*(.*?)\s*</p>', group_page.content.decode(), re.S)
    assert group_titles == ["CFO in Leadership team (leader)"]


def test_save_and_continue_stays_on_the_form(world, admin_client):
    cfo = world["cfo"]
    url = reverse("admin:agents_agent_change", args=[cfo.pk])
    form = {**agent_form(cfo), "supervisor": str(world["ceo"].pk), "name": "CFO renamed", "_continue": "1"}
    response = admin_client.post(url, form)
    assert response.status_code == 302 and response["Location"].endswith("?edit=1"), response["Location"]


def test_the_lifecycle_buttons_ask_a_reason_and_go_through_the_service(world, admin_client):
    cfo = world["cfo"]
    agent_pause(agent=cfo, by=SYSTEM)
    page = _page(admin_client, cfo)
    assert 'id="agent-resume-form"' in page and 'id="agent-pause-form"' not in page, "only what its status allows"
    assert 'name="reason" id="id_reason_resume" required' in page
    url = reverse("admin:agents_agent_lifecycle", args=[cfo.pk])
    assert admin_client.post(url, {"action": "resume", "reason": "  "}).status_code == 302
    cfo.refresh_from_db()
    assert cfo.status == AgentStatus.PAUSED, "no reason, nothing done"
    response = admin_client.post(url, {"action": "resume", "reason": "the audit is over"})
    assert response.status_code == 302 and response["Location"] == reverse("admin:agents_agent_change",
                                                                           args=[cfo.pk])
    cfo.refresh_from_db()
    assert cfo.status == AgentStatus.ACTIVE
    event = AuditEvent.objects.filter(target_id=str(cfo.pk), action="update").order_by("-seq").first()
    assert event.note == "the audit is over" and event.changes["status"] == ["paused", "active"]
    refused = admin_client.post(url, {"action": "restart", "reason": "try"}, follow=True)
    assert "restart" in refused.content.decode() and cfo.status == AgentStatus.ACTIVE
    assert 'id="agent-pause-form"' in _page(admin_client, cfo)


def test_without_operate_no_buttons_and_the_actions_are_refused(world):
    cfo = world["cfo"]
    agent_pause(agent=cfo, by=SYSTEM)
    viewer = create_user("page-viewer", roles=("viewer",), is_staff=True)
    grant(viewer, world["org"], "view")
    client = staff_client(viewer)
    page = _page(client, cfo)
    assert "agent-lifecycle" not in page.split('id="agent-lifecycle"')[1].split("</div>")[0].replace(
        'id="agent-lifecycle"', "")
    assert "You may not operate this agent" in page
    assert reverse("admin:agents_agent_send", args=[cfo.pk]) not in page
    assert ">All fields<" in page and ">Edit<" not in page
    url = reverse("admin:agents_agent_lifecycle", args=[cfo.pk])
    assert client.post(url, {"action": "resume", "reason": "please"}).status_code == 403
    outsider = create_user("page-outsider", roles=("viewer",), is_staff=True)
    grant(outsider, OrganizationFactory(), "view", "operate")
    other = staff_client(outsider)
    assert other.post(url, {"action": "resume", "reason": "please"}).status_code == 404
    assert other.get(reverse("admin:agents_agent_change", args=[cfo.pk])).status_code == 404
    cfo.refresh_from_db()
    assert cfo.status == AgentStatus.PAUSED


def test_the_page_costs_the_same_queries_for_few_messages_and_beliefs_as_for_many(
        world, admin_client, django_assert_num_queries):
    cfo = world["cfo"]
    _fill(world, 2)
    _page(admin_client, cfo)  # warm the per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        page = _page(admin_client, cfo)
    assert "question 1" in page and "answer 1" in page and "lost in the post" in page and "goal_1" in page
    _fill(world, 25)
    with django_assert_num_queries(len(few.captured_queries)):
        page = _page(admin_client, cfo)
    assert "question 24" in page and "fact_24" in page and "goal_24" in page


def test_the_pages_all_links_open_lists_filtered_to_the_agent(world, admin_client):
    cfo, cmo = world["cfo"], world["cmo"]
    mine = send(cfo, to=[cmo.pk]).message
    theirs = send(cmo, to=[cfo.pk]).message
    lost = send(cmo, to=[cfo.pk], content={"text": "lost"}).message
    dead_letter(delivery_id=Delivery.objects.get(message=lost, recipient=cfo).pk, reason="unreachable")
    dead_letter(delivery_id=Delivery.objects.get(message=mine, recipient=cmo).pk, reason="unreachable")
    page = _page(admin_client, cfo)
    sent = re.search(r'<h2>Messages out[^<]*<a href="([^"]+)"', page).group(1).replace("&amp;", "&")
    listed = admin_client.get(sent)
    assert listed.status_code == 200
    assert [m.pk for m in listed.context["cl"].result_list] == [mine.pk] and theirs.pk != mine.pk
    dead = re.search(r'<h2>Dead letters[^<]*<a href="([^"]+)"', page).group(1).replace("&amp;", "&")
    letters = admin_client.get(dead)
    assert letters.status_code == 200
    assert [d.message_id for d in letters.context["cl"].result_list] == [lost.pk]


def test_the_page_lists_who_may_act_on_the_agent_with_its_organizations_grants(world, admin_client):
    on_agent = create_user("agent-operator", is_staff=True)
    on_org = create_user("org-viewer", is_staff=True)
    grant(on_agent, world["cfo"], "operate")
    grant(on_org, world["org"], "view")
    page = _page(admin_client, world["cfo"])
    grants = page[page.index('id="grants"'):]
    direct = grants[:grants.index("</table>")]
    assert "agent-operator" in direct and ">operate<" in direct and "org-viewer" not in direct
    assert "org-viewer" in grants  # inherited from the organization, listed below the agent's own
    assert 'name="op" value="revoke"' in direct  # an administrator may revoke it right there
