"""Any conversation drawn as a sequence diagram (issue 17 part 4: "a conversation page drawn as a sequence
diagram, linked from messages and runs"), not only a protocol run's: through the admin, with the viewer's
grants; another tenant's conversation is a 404 like a missing one, a malformed organization a 400."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from tests.support.actors import grant
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.messaging import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread():
    org = OrganizationFactory()
    ceo, cfo, coo = (AgentFactory(organization=org, name=name) for name in ("CEO", "CFO", "COO"))
    first = send(ceo, to=[cfo.pk, coo.pk], performative="request", content={"report": "monthly"}).message
    send(cfo, to=[ceo.pk], performative="agree", conversation_id=first.conversation_id, in_reply_to=first.pk)
    send(cfo, to=[ceo.pk], performative="inform", conversation_id=first.conversation_id, in_reply_to=first.pk)
    return org, first


def viewer(org):
    user = create_user(is_staff=True, roles=("viewer",))
    grant(user, org, "view")
    return user


def test_the_message_page_links_to_its_conversation_drawn_with_every_voice_and_act(client, thread):
    org, first = thread
    client.force_login(viewer(org))
    page = client.get(reverse("admin:agents_message_change", args=[first.pk])).content.decode()
    link = re.search(r'<a href="([^"]+)" id="conversation-diagram-link">The conversation, drawn as a sequence', page)
    assert link, page[-3000:]
    drawn = client.get(link.group(1).replace("&amp;", "&"))
    assert drawn.status_code == 200
    svg = drawn.content.decode()
    assert re.findall(r'class="seq-name"[^>]*>([^<]+)<', svg) == ["CEO", "CFO", "COO"]
    assert re.findall(r'class="seq-label"[^>]*>(\w+)', svg) == ["request", "request", "agree", "inform"]
    assert "conversation · 3 messages" in svg and " style=" not in svg


def test_another_tenants_conversation_is_a_404_like_a_missing_one_and_a_bad_organization_a_400(client, thread):
    org, first = thread
    client.force_login(viewer(OrganizationFactory()))
    url = reverse("admin:agents_conversation_diagram", args=[first.conversation_id])
    assert client.get(url).status_code == 404
    assert client.get(reverse("admin:agents_conversation_diagram", args=[uuid.uuid4()])).status_code == 404
    client.force_login(viewer(org))
    refused = client.get(url, {"organization": "not-an-id"})
    assert refused.status_code == 400 and b"organization" in refused.content
