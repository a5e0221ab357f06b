"""Sending a message from the admin (issue 19, part 3): the agent's send form, through ``message_send``.

It sends as the agent, audited as a person speaking as it; it needs ``operate`` on the agent (404 when the
agent is not visible, 403 when it is visible only); a malformed JSON content, an unknown or inactive
recipient, or a stopped sender is a form error naming the field, with nothing written; after a send the
browser is redirected to the message's page, and a resubmitted form sends nothing twice.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agents.agent.services.lifecycle import agent_pause, agent_stop
from agents.messaging.models import Delivery, Message, Performative, Subscription
from agents.messaging.services.subscriptions import subscription_create
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, AgentGroupFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(org):
    return {slug: AgentFactory(organization=org, name=slug.upper(), slug=slug) for slug in ("ceo", "cfo", "cmo")}


@pytest.fixture
def operator_client(org):
    user = create_user("send-operator", roles=("operator",), is_staff=True)
    grant(user, org, "view", "operate")
    return user, staff_client(user)


def _url(agent) -> str:
    return reverse("admin:agents_agent_send", args=[agent.pk])


def _key(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)


def _post(client, sender, **fields):
    page = client.get(_url(sender))
    assert page.status_code == 200
    data = {"performative": "inform", "content": "", "idempotency_key": _key(page.content.decode()), **fields}
    return client.post(_url(sender), data)


def test_the_form_offers_the_real_performatives_and_the_organizations_recipients_by_name(org, team,
                                                                                        operator_client):
    other_org_agent = AgentFactory(name="Stranger")
    AgentGroupFactory(organization=org, name="Board")
    _user, client = operator_client
    page = client.get(_url(team["ceo"])).content.decode()
    performatives = re.findall(r'<option value="([^"]*)"', page.split('name="performative"')[1].split("</select>")[0])
    assert performatives == list(Performative.values)
    recipients = page.split('name="to"')[1].split("</select>")[0]
    assert ">CFO<" in recipients and ">CMO<" in recipients
    assert ">CEO<" not in recipients, "the sender is not among its own recipients"
    assert other_org_agent.name not in page
    assert ">Board<" in page.split('name="group"')[1].split("</select>")[0]
    assert 'id="id_content"' in page and 'name="topic"' in page


def test_a_send_goes_through_the_service_is_audited_as_the_person_and_redirects_to_the_message(
        org, team, operator_client):
    user, client = operator_client
    response = _post(client, team["ceo"], performative="request", to=[str(team["cfo"].pk), str(team["cmo"].pk)],
                     content='{"text": "Budget, please", "due": 3}')
    message = Message.objects.get(sender_agent=team["ceo"])
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:agents_message_change", args=[message.pk])
    assert (message.performative, message.content) == ("request", {"text": "Budget, please", "due": 3})
    assert message.sender_user_id is None, "sent as the agent, not as the person"
    assert set(Delivery.objects.filter(message=message).values_list("recipient__slug", flat=True)) == {"cfo", "cmo"}
    event = AuditEvent.objects.get(target_type="agents.message", target_id=str(message.pk))
    assert (event.actor_type, event.actor_id) == ("user", str(user.pk))
    assert event.changes["sender_agent"] == [None, str(team["ceo"].pk)]
    assert "speaking as the agent" in event.note
    landing = client.get(response["Location"])
    assert landing.status_code == 200 and "Sent request as CEO to 2 recipient(s)." in landing.content.decode()


def test_a_group_a_role_and_a_topic_are_recipients_too(org, team, operator_client):
    _user, client = operator_client
    board = AgentGroupFactory(organization=org, name="Board")
    from agents.agent.services.groups import membership_add

    membership_add(group=board, agent=team["cfo"], by=SYSTEM)
    subscription_create(agent=team["cmo"], topic_pattern="sales.*", performative="", by=SYSTEM)
    assert Subscription.objects.count() == 1
    assert _post(client, team["ceo"], group=str(board.pk)).status_code == 302
    assert _post(client, team["ceo"], topic="sales.q3").status_code == 302
    assert _post(client, team["ceo"], role=str(team["cfo"].role_id)).status_code == 302
    sent = [set(m.deliveries.values_list("recipient__slug", flat=True))
            for m in Message.objects.filter(sender_agent=team["ceo"]).order_by("created_at")]
    assert sent[0] == {"cfo"} and sent[1] == {"cmo"}
    assert "cfo" in sent[2]


def test_bad_json_is_an_error_on_the_content_field_and_nothing_is_written(team, operator_client):
    _user, client = operator_client
    events = AuditEvent.objects.count()
    response = _post(client, team["ceo"], to=[str(team["cfo"].pk)], content='{"text": "unclosed')
    assert response.status_code == 400
    page = response.content.decode()
    assert [text[:15] for text in response.context["form"].errors["content"]] == ["Not valid JSON:"]
    assert 'class="form-row field-content errors"' in page and "nothing was sent" in page
    assert not Message.objects.exists() and AuditEvent.objects.count() == events


def test_no_recipient_and_an_unknown_or_foreign_recipient_are_refused_on_the_to_field(team, operator_client):
    _user, client = operator_client
    stranger = AgentFactory(name="Stranger")
    for fields in ({}, {"to": [str(stranger.pk)]}, {"to": ["00000000-0000-0000-0000-000000000000"]}):
        response = _post(client, team["ceo"], **fields)
        assert response.status_code == 400, fields
        errors = response.context["form"].errors
        assert "to" in errors, (fields, errors)
    assert not Message.objects.exists()


def test_a_paused_recipient_is_refused_by_the_service_on_the_to_field(team, operator_client):
    _user, client = operator_client
    agent_pause(agent=team["cfo"], by=SYSTEM)
    response = _post(client, team["ceo"], to=[str(team["cfo"].pk)], content='{"text": "hi"}')
    assert response.status_code == 400
    assert any("paused" in text for text in response.context["form"].errors["to"])
    assert "CFO (paused)" in response.content.decode(), "the list says who cannot receive now"
    assert not Message.objects.exists()


def test_a_paused_sender_still_sends_and_a_stopped_one_is_refused(team, operator_client):
    """Pausing stops an agent's reasoning, not its mail (the service's rule); a stopped one sends nothing."""
    _user, client = operator_client
    agent_pause(agent=team["ceo"], by=SYSTEM)
    assert _post(client, team["ceo"], to=[str(team["cfo"].pk)]).status_code == 302
    agent_stop(agent=team["cmo"], by=SYSTEM)
    response = _post(client, team["cmo"], to=[str(team["cfo"].pk)])
    assert response.status_code == 400
    assert "stopped" in " ".join(response.context["form"].non_field_errors())
    assert not Message.objects.filter(sender_agent=team["cmo"]).exists()


def test_a_resubmitted_form_sends_once(team, operator_client):
    _user, client = operator_client
    page = client.get(_url(team["ceo"])).content.decode()
    data = {"performative": "inform", "to": [str(team["cfo"].pk)], "idempotency_key": _key(page)}
    first, second = client.post(_url(team["ceo"]), data), client.post(_url(team["ceo"]), data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Message.objects.count() == 1


def test_without_operate_the_form_is_403_and_without_view_404(org, team):
    viewer = create_user("send-viewer", roles=("viewer",), is_staff=True)
    grant(viewer, org, "view")
    client = staff_client(viewer)
    assert client.get(_url(team["ceo"])).status_code == 403
    assert client.post(_url(team["ceo"]), {"performative": "inform", "to": [str(team["cfo"].pk)]}).status_code == 403
    outsider = create_user("send-outsider", roles=("operator",), is_staff=True)
    grant(outsider, OrganizationFactory(), "view", "operate")
    assert staff_client(outsider).get(_url(team["ceo"])).status_code == 404
    assert not Message.objects.exists()


def test_an_operator_of_one_agent_may_send_as_it_only(org, team):
    user = create_user("one-agent", roles=("viewer",), is_staff=True)
    grant(user, team["ceo"], "view", "operate")
    grant(user, team["cfo"], "view")
    client = staff_client(user)
    assert _post(client, team["ceo"], to=[str(team["cfo"].pk)]).status_code == 302
    assert client.get(_url(team["cfo"])).status_code == 403


def test_the_messages_list_asks_for_the_sender_first(org, team, operator_client):
    _user, client = operator_client
    changelist = client.get(reverse("admin:agents_message_changelist")).content.decode()
    choose = reverse("admin:agents_agent_send_choose")
    assert f'href="{choose}"' in changelist and "Send a message" in changelist
    page = client.get(choose).content.decode()
    assert all(f'value="{agent.pk}"' in page for agent in team.values())
    chosen = client.get(choose, {"sender": str(team["cfo"].pk)})
    assert chosen.status_code == 302 and chosen["Location"] == _url(team["cfo"])
    stranger = AgentFactory(name="Stranger")
    assert client.get(choose, {"sender": str(stranger.pk)}).status_code == 404
    nobody = create_user("send-nobody", roles=("viewer",), is_staff=True)
    assert "You may operate no agent" in staff_client(nobody).get(choose).content.decode()


def test_agent_dropdowns_name_the_organization_when_names_repeat(org, team, operator_client, administrator):
    """Two organizations onboarded alike both have a CEO: a dropdown says whose ("CEO — Demo Online Retailer")."""
    other = OrganizationFactory(name="Demo Online Retailer")
    twin = AgentFactory(organization=other, name="CEO", slug="ceo")
    administrator.is_staff = True
    administrator.save()
    page = staff_client(administrator).get(reverse("admin:agents_agent_change", args=[team["cmo"].pk])
                                           + "?edit=1").content.decode()
    supervisor = page.split('name="supervisor"')[1].split("</select>")[0]
    assert f'value="{twin.pk}">CEO — Demo Online Retailer<' in supervisor
    assert f'value="{team["ceo"].pk}">CEO — {org.name}<' in supervisor
    assert f'value="{team["cfo"].pk}">CFO<' in supervisor, "a name used once stays as it is"
    choose = staff_client(administrator).get(reverse("admin:agents_agent_send_choose")).content.decode()
    assert "CEO — Demo Online Retailer" in choose
