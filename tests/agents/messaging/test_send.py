"""message_send: validation, the outbox (message + deliveries in one transaction), fan-out, idempotency."""

from __future__ import annotations

import pytest
from django.db import transaction

from agents.models import AgentStatus, Delivery, Message, Subscription
from mabos.errors import InvalidInput
from tests.support.factories import AgentFactory, AgentGroupFactory, MembershipFactory, OrganizationFactory
from tests.support.messaging import send


def fields_of(excinfo) -> set[str]:
    return set(excinfo.value.fields)


def test_send_commits_the_message_and_one_pending_delivery_per_recipient(alice, bob, carol):
    result = send(alice, to=[bob.pk, carol.pk])
    assert result.created
    deliveries = Delivery.objects.filter(message=result.message)
    assert {d.recipient_id for d in deliveries} == {bob.pk, carol.pk}
    assert {d.status for d in deliveries} == {"pending"}
    assert all(d.conversation_id == result.message.conversation_id for d in deliveries)
    assert result.message.recipient_count == 2


def test_fan_out_to_1000_is_a_bulk_insert(org, alice, django_assert_max_num_queries):
    group = AgentGroupFactory(organization=org)
    agents = AgentFactory.build_batch(1000, organization=org, role=alice.role)
    from agents.models import Agent, Membership
    Agent.objects.bulk_create(agents)
    Membership.objects.bulk_create([Membership(organization=org, group=group, agent=a) for a in agents])
    with django_assert_max_num_queries(10):
        result = send(alice, group=group.pk)
    assert Delivery.objects.filter(message=result.message).count() == 1000


def test_group_role_and_topic_expand_and_skip_the_sender_and_inactive_members(org, alice, bob, carol):
    group = AgentGroupFactory(organization=org)
    for agent in (alice, bob, carol):
        MembershipFactory(group=group, agent=agent, organization=org)
    carol.status = AgentStatus.PAUSED
    carol.save()
    assert {d.recipient_id for d in send(alice, group=group.pk).message.deliveries.all()} == {bob.pk}
    assert {d.recipient_id for d in send(alice, role=bob.role.slug).message.deliveries.all()} == {bob.pk}
    Subscription.objects.create(organization=org, agent=bob, topic_pattern="sales.*")
    Subscription.objects.create(organization=org, agent=alice, topic_pattern="sales.*", performative="cfp")
    msg = send(bob, topic="sales.q3").message
    assert list(msg.deliveries.values_list("recipient_id", flat=True)) == []  # alice only wants cfps
    msg = send(bob, topic="sales.q3", performative="cfp").message
    assert list(msg.deliveries.values_list("recipient_id", flat=True)) == [alice.pk]


def test_a_repeated_idempotency_key_returns_the_original(alice, bob):
    first = send(alice, to=[bob.pk], idempotency_key="k-1")
    again = send(alice, to=[bob.pk], idempotency_key="k-1", content={"other": True})
    assert not again.created and again.message.pk == first.message.pk
    assert Message.objects.count() == 1 and Delivery.objects.count() == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"performative": "shout"}, "performative"),
    ({"content": "x" * 40_000}, "content"),
    ({"content": {1, 2}}, "content"),
    ({"content": float("nan")}, "content"),
    ({"priority": 500}, "priority"),
    ({"to": []}, "to"),
])
def test_bad_input_names_the_field_and_writes_nothing(alice, bob, kwargs, field):
    kwargs.setdefault("to", [bob.pk])
    with pytest.raises(InvalidInput) as excinfo:
        send(alice, **kwargs)
    assert field in fields_of(excinfo)
    assert Message.objects.count() == 0 and Delivery.objects.count() == 0


def test_recipients_must_exist_be_active_and_in_the_organization(alice, bob, carol):
    stranger = AgentFactory(organization=OrganizationFactory())
    bob.status = AgentStatus.PAUSED
    bob.save()
    carol.status = AgentStatus.STOPPED
    carol.save()
    # another organization's agent answers exactly like a missing one (test_tenancy.py)
    for recipient, words in ((stranger, "No such agent"), (bob, "paused"), (carol, "stopped")):
        with pytest.raises(InvalidInput) as excinfo:
            send(alice, to=[recipient.pk])
        assert words in excinfo.value.fields["to"][0]
    assert Message.objects.count() == 0


def test_replies_must_be_to_a_message_the_sender_saw_and_in_its_conversation(org, alice, bob, carol):
    question = send(alice, to=[bob.pk], performative="query-if").message
    with pytest.raises(InvalidInput) as excinfo:
        send(carol, to=[alice.pk], in_reply_to=question.pk)
    assert "received or sent" in excinfo.value.fields["in_reply_to"][0]
    with pytest.raises(InvalidInput) as excinfo:
        send(bob, to=[alice.pk], in_reply_to=question.pk, conversation_id="6f1c2b9e-1111-4a4a-9999-000000000000")
    assert "conversation_id" in excinfo.value.fields
    answer = send(bob, to=[alice.pk], performative="confirm", in_reply_to=question.pk).message
    assert answer.conversation_id == question.conversation_id and answer.in_reply_to_id == question.pk
    # Another organization reusing the id starts its own conversation, exactly as with a fresh id
    # (nothing tells it the id is taken); reads keep the two apart (test_tenancy.py).
    other_org_sender = AgentFactory(organization=OrganizationFactory())
    other = AgentFactory(organization=other_org_sender.organization)
    theirs = send(other_org_sender, to=[other.pk], conversation_id=question.conversation_id).message
    assert theirs.conversation_id == question.conversation_id and theirs.organization_id != question.organization_id


def test_the_wakeup_is_published_only_after_commit(alice, bob, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        send(alice, to=[bob.pk])
    names = [getattr(cb, "__name__", "") for cb in callbacks]
    assert "publish_wakeup" in names
