"""message_send_batch and POST /api/v1/messages/batch/: same checks as a single send, bounded queries, all or nothing."""

from __future__ import annotations

import pytest
from django.test import override_settings
from guardian.shortcuts import assign_perm

from accounts.object_permissions import policy_for
from agents.messaging.services.batch import message_send_batch
from agents.messaging.services.delivery import delivery_dispatch_due
from agents.models import Agent, AgentEvent, AgentKind, AgentStatus, Delivery, Message
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.actors import SYSTEM
from tests.support.api import client_for, create_user, key_client
from tests.support.factories import AgentFactory, AgentGroupFactory, MembershipFactory, OrganizationFactory
from tests.support.messaging import SendAsMatrix, operator_of, send

BATCH = "/api/v1/messages/batch/"


def batch(org, items):
    return message_send_batch(organization=org, by=SYSTEM, messages=items)


def item(sender, *to, **kw):
    return {"sender_agent": sender, "performative": "inform", "content": {"n": kw.pop("n", 0)},
            "to": [a.pk for a in to], **kw}


def test_a_batch_is_delivered_and_acked_by_the_worker(org, alice, bob, carol):
    n = 12
    results = batch(org, [item(alice, bob, carol, n=i) for i in range(n)])
    assert [r.created for r in results] == [True] * n
    assert [r.message.content["n"] for r in results] == list(range(n))
    assert Message.objects.count() == n and Delivery.objects.count() == 2 * n
    assert all(m.recipient_count == 2 for m in Message.objects.all())
    assert delivery_dispatch_due() == 2 * n
    assert set(Delivery.objects.values_list("status", flat=True)) == {"acked"}
    assert AgentEvent.objects.count() == 2 * n
    # send order is kept per recipient: the ordering rule reads sent_at
    sent = list(Delivery.objects.filter(recipient=bob).order_by("sent_at").values_list("message__content", flat=True))
    assert [c["n"] for c in sent] == list(range(n))


def test_groups_roles_topics_and_replies_work_as_in_a_single_send(org, alice, bob, carol):
    group = AgentGroupFactory(organization=org)
    MembershipFactory(organization=org, group=group, agent=bob)
    MembershipFactory(organization=org, group=group, agent=alice)
    question = send(alice, to=[bob.pk]).message
    results = batch(org, [
        {"sender_agent": alice, "performative": "inform", "group": group.pk},
        {"sender_agent": bob, "performative": "inform", "to": [alice.pk], "in_reply_to": question.pk},
        {"sender_agent": carol, "performative": "inform", "group": group.pk},
    ])
    assert set(Delivery.objects.filter(message=results[0].message).values_list("recipient", flat=True)) == {bob.pk}
    assert results[1].message.conversation_id == question.conversation_id
    assert Delivery.objects.filter(message=results[2].message).count() == 2


@pytest.mark.parametrize("n", [10, 200])
def test_the_query_count_does_not_grow_with_the_batch(org, alice, bob, carol, django_assert_max_num_queries, n):
    agents = [alice, bob, carol]
    items = [item(agents[i % 3], agents[(i + 1) % 3], n=i, idempotency_key=f"k{i}") for i in range(n)]
    with django_assert_max_num_queries(8):
        batch(org, items)
    assert Delivery.objects.count() == n


@pytest.mark.parametrize(("bad", "field"), [
    ({"performative": "shout"}, "performative"),
    ({"content": "x" * 40_000}, "content"),
    ({"priority": 500}, "priority"),
    ({"to": []}, "to"),
    ({"colour": "red"}, "colour"),
    ({"conversation_id": "nope"}, "conversation_id"),
])
def test_one_bad_item_rejects_the_whole_batch_and_names_it(org, alice, bob, bad, field):
    items = [item(alice, bob, n=i) for i in range(5)]
    items[3].update(bad)
    with pytest.raises(InvalidInput) as excinfo:
        batch(org, items)
    assert f"messages[3].{field}" in excinfo.value.fields, excinfo.value.fields
    assert Message.objects.count() == 0 and Delivery.objects.count() == 0


def test_recipients_are_checked_per_item(org, alice, bob):
    stranger = AgentFactory(organization=OrganizationFactory())
    bob.status = AgentStatus.PAUSED
    bob.save()
    carol = AgentFactory(organization=org)
    for recipient, words in ((stranger, "No such agent"), (bob, "paused")):
        with pytest.raises(InvalidInput) as excinfo:
            batch(org, [item(alice, carol), item(alice, recipient)])
        assert words in excinfo.value.fields["messages[1].to"][0]
    assert Message.objects.count() == 0


def test_idempotency_keys_return_the_original_and_repeats_in_one_batch_are_refused(org, alice, bob):
    first = send(alice, to=[bob.pk], idempotency_key="k-1").message
    results = batch(org, [item(alice, bob, idempotency_key="k-1"), item(alice, bob, idempotency_key="k-2")])
    assert not results[0].created and results[0].message.pk == first.pk
    assert results[1].created
    again = batch(org, [item(alice, bob, idempotency_key="k-2"), item(bob, alice, idempotency_key="k-2")])
    assert not again[0].created and again[0].message.pk == results[1].message.pk
    assert again[1].created  # same key, another sender: another message
    assert Message.objects.count() == 3
    with pytest.raises(InvalidInput) as excinfo:
        batch(org, [item(alice, bob, idempotency_key="x"), item(bob, alice), item(alice, bob, idempotency_key="x")])
    assert "messages[2].idempotency_key" in excinfo.value.fields
    assert Message.objects.count() == 3


def test_the_batch_size_is_capped(org, alice, bob):
    with override_settings(MESSAGING={"MAX_BATCH": 3}), pytest.raises(InvalidInput) as excinfo:
        batch(org, [item(alice, bob) for _ in range(4)])
    assert "messages" in excinfo.value.fields
    with pytest.raises(InvalidInput):
        batch(org, [])
    assert Message.objects.count() == 0


# --- the API --------------------------------------------------------------------------------------------


def body_of(sender, *to, n=0, **kw):
    return {"sender": str(sender.pk), "performative": "inform", "to": [str(a.pk) for a in to], "content": {"n": n},
            **kw}


def test_post_batch_sends_every_message_and_audits_a_person_speaking_as_agents(org, alice, bob):
    client = client_for(operator_of(org))
    response = client.post(BATCH, {"messages": [body_of(alice, bob, n=i) for i in range(3)]
                                   + [body_of(bob, alice, n=3)]}, format="json")
    assert response.status_code == 201, response.content
    rows = response.json()
    assert [r["content"]["n"] for r in rows] == [0, 1, 2, 3]
    assert rows[3]["sender_agent"] == str(bob.pk)
    assert AuditEvent.objects.filter(action="create", target_type="agents.message").count() == 4


def test_post_batch_errors_name_the_item(org, alice, bob):
    client = client_for(operator_of(org))
    stranger = AgentFactory()
    cases = [
        ({"messages": [body_of(alice, bob), body_of(alice, stranger)]}, "messages[1].to"),
        ({"messages": [body_of(alice, bob), {**body_of(alice, bob), "colour": "red"}]}, "messages[1].colour"),
        ({"messages": [body_of(alice, bob), {**body_of(alice, bob), "performative": "shout"}]},
         "messages[1].performative"),
        ({"messages": []}, "messages"),
        ({"messages": "x"}, "messages"),
    ]
    for body, field in cases:
        response = client.post(BATCH, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["fields"], response.json()
    with override_settings(MESSAGING={"MAX_BATCH": 2}):
        response = client.post(BATCH, {"messages": [body_of(alice, bob)] * 3}, format="json")
    assert response.status_code == 400 and "messages" in response.json()["fields"]
    assert Message.objects.count() == 0


def test_post_batch_needs_operate_on_every_sender(org, alice, bob):
    anonymous = client_for(None).post(BATCH, {"messages": [body_of(alice, bob)]}, format="json")
    assert anonymous.status_code == 401
    nobody = client_for(create_user()).post(BATCH, {"messages": [body_of(alice, bob)]}, format="json")
    assert nobody.status_code == 404
    user = create_user(roles=("operator",))
    for action, agent in (("view", alice), ("operate", alice), ("view", bob)):
        assign_perm(policy_for(Agent).codename(action), user, agent)
    client = client_for(user)
    assert client.post(BATCH, {"messages": [body_of(alice, bob)]}, format="json").status_code == 201
    mixed = client.post(BATCH, {"messages": [body_of(alice, bob), body_of(bob, alice)]}, format="json")
    assert mixed.status_code == 403 and mixed.json()["code"] == "permission_denied"
    assert Message.objects.count() == 1


def test_an_agent_key_sends_a_batch_only_as_itself(org, alice, bob, external, external_key):
    client = key_client(external_key)
    ok = client.post(BATCH, {"messages": [{"performative": "inform", "to": [str(alice.pk)]},
                                          {"performative": "inform", "to": [str(bob.pk)], "sender": str(external.pk)}]},
                     format="json")
    assert ok.status_code == 201, ok.content
    assert {r["sender_agent"] for r in ok.json()} == {str(external.pk)}
    assert not AuditEvent.objects.filter(target_type="agents.message").exists()  # routine: not audited
    as_alice = client.post(BATCH, {"messages": [{"performative": "inform", "to": [str(bob.pk)]},
                                                {**body_of(alice, bob)}]}, format="json")
    assert as_alice.status_code == 403
    assert Message.objects.count() == 2
    other_org = AgentFactory(kind=AgentKind.EXTERNAL)
    response = client.post(BATCH, {"messages": [{"performative": "inform", "to": [str(other_org.pk)]}]},
                           format="json")
    assert response.status_code == 400 and "messages[0].to" in response.json()["fields"]


class TestBatchSendAsPermissions(SendAsMatrix):
    """The permission matrix of the single send, through the batch endpoint."""

    def write(self, client, obj):
        return client.post(BATCH, {"messages": [{"sender": str(obj.pk), "performative": "inform",
                                                 "to": [str(obj.test_recipient.pk)]}]}, format="json")

    def created_id(self, response):
        return response.json()[0]["id"]
