"""The messages list as an operator reads it, and the list of deliveries in flight the dashboard links to."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.messaging.models import Delivery, Message
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.messaging import send

pytestmark = pytest.mark.django_db

LIST = "/admin/agents/message/"
DELIVERIES = "/admin/agents/delivery/"
_ROW = re.compile(r'<tr>.*?</tr>', re.S)
# A row's link to its change page carries the list's filters (?_changelist_filters=...).
_MESSAGE_LINK = re.compile(r'/admin/agents/message/([0-9a-f-]{36})/change/[?"#]')
_DELIVERY_LINK = re.compile(r'/admin/agents/delivery/([0-9a-f-]{36})/change/[?"]')


def listed(client, url: str = LIST, **params) -> list[str]:
    """The ids of the messages the list shows, in its order (each row links its change page first)."""
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    seen: list[str] = []
    for found in _MESSAGE_LINK.findall(response.content.decode()):
        if found not in seen:
            seen.append(found)
    return seen


def set_status(message: Message, recipient, status: str) -> None:
    Delivery.objects.filter(message=message, recipient=recipient).update(status=status)


@pytest.fixture
def shop():
    org = OrganizationFactory(name="Shop")
    ceo, cfo, cmo, cto = (AgentFactory(organization=org, name=name, slug=name.lower())
                          for name in ("Ceo", "Cfo", "Cmo", "Cto"))
    return org, ceo, cfo, cmo, cto


@pytest.fixture
def admin_client_(db):
    return staff_client(create_user(is_staff=True, is_superuser=True))


def test_newest_first_with_sender_recipients_preview_status_and_conversation(admin_client_, shop):
    _org, ceo, cfo, cmo, cto = shop
    older = send(ceo, to=[cfo.pk], content={"text": "older"}).message
    Message.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    broadcast = send(ceo, to=[cfo.pk, cmo.pk, cto.pk, AgentFactory(organization=ceo.organization, name="Dan").pk],
                     performative="request", content={"ask": "budget", "ok": True, "none": None}).message
    for recipient in (cfo, cmo, cto):
        set_status(broadcast, recipient, "acked")
    set_status(broadcast, ceo.organization.agents.get(name="Dan"), "dead")

    assert listed(admin_client_) == [str(broadcast.pk), str(older.pk)], "newest first"
    page = admin_client_.get(LIST).content.decode()
    row = next(r for r in _ROW.findall(page) if str(broadcast.pk) in r)
    text = html.unescape(re.sub(r"<[^>]+>", " ", row))
    assert "Ceo" in text and "request" in text
    names = re.sub(r"\s+", " ", text).replace(" ,", ",")  # each name is a link to the agent's page
    assert "4: Cfo, Cmo, Cto, +1" in names, "the count, the first three names by name, the rest counted"
    assert f'href="/admin/agents/agent/{cfo.pk}/change/"' in row and f'href="/admin/agents/agent/{ceo.pk}/change/"' in row
    for part in ('"ask": "budget"', '"ok": true', '"none": null'):  # (jsonb keeps its own key order)
        assert part in text, "the preview is JSON, not a Python repr"
    assert "True" not in text and "None" not in text
    assert "3 acked, 1 dead" in text
    conversation = re.search(rf'href="([^"]+)"[^>]*title="{broadcast.conversation_id}"', row)
    assert conversation, "the conversation is a link"
    target = admin_client_.get(html.unescape(conversation.group(1)).split("#")[0])
    assert target.status_code == 200 and 'id="conversation-timeline"' in target.content.decode()
    assert '<pre class="mabos-json">{\n  &quot;ask&quot;: &quot;budget&quot;' in target.content.decode(), \
        "the message page shows its content as pretty JSON"


def test_search_by_agent_name_content_text_and_id_prefix(admin_client_, shop):
    _org, ceo, cfo, cmo, _cto = shop
    to_cfo = send(ceo, to=[cfo.pk], content={"text": "the quarterly runway"}).message
    from_cmo = send(cmo, to=[ceo.pk], content={"text": "campaign"}).message
    assert listed(admin_client_, q="cmo") == [str(from_cmo.pk)], "the sender by name"
    assert listed(admin_client_, q="CFO") == [str(to_cfo.pk)], "a recipient by name, any case"
    assert listed(admin_client_, q="RUNWAY") == [str(to_cfo.pk)], "a word of the content"
    assert listed(admin_client_, q=str(from_cmo.pk)[:6]) == [str(from_cmo.pk)], "the start of the id"
    assert listed(admin_client_, q=str(to_cfo.conversation_id)[:8]) == [str(to_cfo.pk)], "the conversation's"
    assert listed(admin_client_, q="ceo runway") == [str(to_cfo.pk)], "every term must match"
    assert listed(admin_client_, q='"quarterly runway"') == [str(to_cfo.pk)], "a quoted phrase is one term"
    for ugly in ('"', '"unbalanced', "'", "%", "\\", "-", "a" * 300, "ü", "{}", "' OR 1=1 --"):
        assert admin_client_.get(LIST, {"q": ugly}).status_code == 200, ugly
    assert admin_client_.get(LIST, {"q": "\x00"}).status_code == 400, "a NUL is refused naming the parameter"


def test_filters_by_organization_performative_status_and_date(admin_client_, shop):
    org, ceo, cfo, _cmo, _cto = shop
    other = AgentFactory(organization=OrganizationFactory(name="Other"), name="Elsewhere")
    ours = send(ceo, to=[cfo.pk], performative="request").message
    theirs = send(other, to=[AgentFactory(organization=other.organization).pk]).message
    dead = send(cfo, to=[ceo.pk]).message
    set_status(dead, ceo, "dead")
    old = send(cfo, to=[ceo.pk]).message
    set_status(old, ceo, "acked")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))

    assert set(listed(admin_client_, organization=str(other.organization_id))) == {str(theirs.pk)}
    assert listed(admin_client_, organization="not-a-uuid") == []
    assert listed(admin_client_, performative="request") == [str(ours.pk)]
    assert listed(admin_client_, status="dead") == [str(dead.pk)]
    assert set(listed(admin_client_, status="in-flight")) == {str(ours.pk), str(theirs.pk)}
    assert listed(admin_client_, status="no-such-status") == []
    refused = admin_client_.get(LIST, {"created_at__gte": "not a date"})
    assert refused.status_code == 302 and refused["Location"].endswith("?e=1"), "Django's 'wrong filter' page"
    week_ago = (timezone.now() - datetime.timedelta(days=7)).isoformat()
    recent = listed(admin_client_, created_at__gte=week_ago)
    assert str(old.pk) not in recent and str(ours.pk) in recent
    assert set(listed(admin_client_)) == {str(m.pk) for m in (ours, theirs, dead, old)}
    assert org.name in admin_client_.get(LIST).content.decode()


def test_a_staff_member_sees_only_what_their_grants_show(shop):
    org, ceo, cfo, cmo, cto = shop
    watcher = create_user(is_staff=True)
    grant(watcher, cfo, "view")
    to_all = send(ceo, to=[cfo.pk, cmo.pk, cto.pk]).message
    set_status(to_all, cmo, "dead")
    hidden = send(ceo, to=[cmo.pk], content={"text": "secret"}).message
    hidden_org = OrganizationFactory(name="Hidden Org")
    client = staff_client(watcher)

    assert listed(client) == [str(to_all.pk)]
    assert listed(client, q="secret") == [] and listed(client, q=str(hidden.pk)[:8]) == []
    assert listed(client, q="cmo") == [], "a recipient the watcher may not view does not match by name"
    page = html.unescape(re.sub(r"<[^>]+>", " ", client.get(LIST).content.decode()))
    assert "1: Cfo" in re.sub(r"\s+", " ", page) and "Cmo" not in page, "only the recipients the watcher may view are named"
    assert "1 pending" in page and "dead" not in page.split("Filter")[0], "and only theirs are counted"
    offered = re.findall(r'\?organization=([0-9a-f-]{36})', client.get(LIST).content.decode())
    assert str(hidden_org.pk) not in offered and str(org.pk) not in offered, "the filter offers no unseen one"
    assert client.get(f"{LIST}{hidden.pk}/change/").status_code == 302  # the admin's "not found": to the index


def test_constant_queries_for_5_and_50_messages(admin_client_, django_assert_num_queries, shop):
    _org, ceo, cfo, cmo, cto = shop
    admin_client_.get(LIST)  # session, content types

    def fill(count: int) -> None:
        for i in range(count - Message.objects.count()):
            message = send(ceo, to=[cfo.pk, cmo.pk, cto.pk], content={"i": i}).message
            set_status(message, cfo, "acked")

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert admin_client_.get(LIST).status_code == 200
        return len(context.captured_queries)

    fill(5)
    five = page_queries()
    fill(50)
    with django_assert_num_queries(five):
        response = admin_client_.get(LIST)
    assert len(set(_MESSAGE_LINK.findall(response.content.decode()))) == 50


def test_the_deliveries_in_flight_list_is_read_only_and_filtered(admin_client_, shop):
    _org, ceo, cfo, cmo, cto = shop
    message = send(ceo, to=[cfo.pk, cmo.pk, cto.pk]).message
    set_status(message, cfo, "acked")
    set_status(message, cmo, "dead")
    Delivery.objects.filter(message=message, recipient=cto).update(status="failed", last_error="timeout")
    later = send(cfo, to=[ceo.pk]).message
    ids = {d.recipient_id: str(d.pk) for d in Delivery.objects.all()}

    page = admin_client_.get(DELIVERIES, {"status": "in-flight"}).content.decode()
    assert set(_DELIVERY_LINK.findall(page)) == {ids[cto.pk], ids[ceo.pk]}, "pending, dispatched, failed only"
    assert "timeout" in page and str(later.pk) in page, "each delivery links its message"
    assert set(_DELIVERY_LINK.findall(admin_client_.get(DELIVERIES, {"status": "dead"}).content.decode())) \
        == {ids[cmo.pk]}
    assert admin_client_.get(f"{DELIVERIES}add/").status_code == 403
    detail = admin_client_.get(f"{DELIVERIES}{ids[cto.pk]}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()

    watcher = create_user(is_staff=True)
    grant(watcher, cto, "view")
    assert set(_DELIVERY_LINK.findall(staff_client(watcher).get(DELIVERIES).content.decode())) == {ids[cto.pk]}


def test_query_counts_of_the_deliveries_list(admin_client_, django_assert_num_queries, shop):
    _org, ceo, cfo, cmo, _cto = shop
    send(ceo, to=[cfo.pk, cmo.pk])
    admin_client_.get(DELIVERIES)
    with CaptureQueriesContext(connection) as context:
        admin_client_.get(DELIVERIES, {"status": "in-flight"})
    for _ in range(20):
        send(cfo, to=[ceo.pk, cmo.pk])
    with django_assert_num_queries(len(context.captured_queries)):
        assert admin_client_.get(DELIVERIES, {"status": "in-flight"}).status_code == 200
