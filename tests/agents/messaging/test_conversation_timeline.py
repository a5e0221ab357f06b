"""The message admin under concurrent requests: each staff member's timeline is drawn with their own grants."""

from __future__ import annotations

import re
import threading
import uuid

import pytest
from django.db import close_old_connections
from django.test import Client

from agents.messaging.admin import MessageAdmin
from agents.messaging.services.send import message_send
from tests.support.actors import SYSTEM, grant
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory

_TIMELINE = re.compile(r'<div id="conversation-timeline">(.*?)</div>', re.S)


def timeline_of(page: str) -> str:
    found = _TIMELINE.search(page)
    assert found, "the change page draws no conversation timeline"
    return found.group(1)


@pytest.mark.django_db(transaction=True)
def test_two_staff_members_at_once_each_see_only_their_own_grants_in_the_timeline(monkeypatch):
    """Real threads, real admin pages: both pages are between "object loaded" and "timeline drawn" together.

    The barrier forces the interleaving gthread produces by chance: a ModelAdmin
    instance that kept the request user on ``self`` would draw one page with the
    other staff member's user.
    """
    org = OrganizationFactory()
    ann_agent, ben_agent, hub = (AgentFactory(organization=org, name=n, slug=n.lower())
                                 for n in ("Annagent", "Benagent", "Hub"))
    ann, ben = create_user(is_staff=True), create_user(is_staff=True)
    grant(ann, ann_agent, "view")
    grant(ben, ben_agent, "view")
    conversation = uuid.uuid4()
    for_ann = message_send(organization=org, by=SYSTEM, sender_agent=ann_agent, performative="inform",
                           to=[hub.pk], content={"text": "marker-ann"}, conversation_id=conversation).message
    for_ben = message_send(organization=org, by=SYSTEM, sender_agent=ben_agent, performative="inform",
                           to=[hub.pk], content={"text": "marker-ben"}, conversation_id=conversation).message

    both_loaded = threading.Barrier(2)
    original_get_object = MessageAdmin.get_object

    def get_object_then_wait(self, request, object_id, from_field=None):
        obj = original_get_object(self, request, object_id, from_field)
        both_loaded.wait(timeout=10)
        return obj

    monkeypatch.setattr(MessageAdmin, "get_object", get_object_then_wait)
    pages: dict[str, object] = {}

    def open_page(user, message) -> None:
        try:
            client = Client()
            client.force_login(user)
            pages[user.username] = client.get(f"/admin/agents/message/{message.pk}/change/")
        except Exception as exc:
            pages[user.username] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=open_page, args=(ann, for_ann)),
               threading.Thread(target=open_page, args=(ben, for_ben))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    for user, mine, theirs in ((ann, "marker-ann", "marker-ben"), (ben, "marker-ben", "marker-ann")):
        response = pages[user.username]
        assert not isinstance(response, Exception), response
        assert response.status_code == 200
        page = response.content.decode()
        assert theirs not in page, f"{user.username}'s page shows a message outside their grant"
        assert mine in timeline_of(page)


@pytest.mark.django_db
def test_the_timeline_lists_the_visible_conversation_in_order():
    org = OrganizationFactory()
    sender, hub = AgentFactory(organization=org), AgentFactory(organization=org)
    staff = create_user(is_staff=True)
    grant(staff, org, "view")
    first = message_send(organization=org, by=SYSTEM, sender_agent=sender, performative="request", to=[hub.pk],
                         content={"text": "first-one"}).message
    message_send(organization=org, by=SYSTEM, sender_agent=hub, performative="agree", to=[sender.pk],
                 content={"text": "second-one"}, conversation_id=first.conversation_id)
    client = Client()
    client.force_login(staff)
    drawn = timeline_of(client.get(f"/admin/agents/message/{first.pk}/change/").content.decode())
    assert drawn.index("first-one") < drawn.index("second-one")
