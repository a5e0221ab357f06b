"""The messaging API: send, inbox, ack/nack, conversations, dead letters; the permission matrix; agent keys."""

from __future__ import annotations

from guardian.shortcuts import assign_perm

from agents.messaging.services.delivery import delivery_dispatch_due
from agents.models import AgentKind, AgentStatus, Delivery, Message
from auditlog.models import AuditEvent
from tests.support.api import client_for, create_user, key_client
from tests.support.factories import AgentFactory
from tests.support.messaging import SendAsMatrix, operator_of, send
from tests.support.permission_matrix import PermissionMatrix


def test_post_messages_sends_as_an_operated_agent_and_is_audited(org, alice, bob):
    client = client_for(operator_of(org))
    body = {"sender": str(alice.pk), "performative": "request", "to": [str(bob.pk)], "content": {"do": "x"},
            "idempotency_key": "one"}
    response = client.post("/api/v1/messages/", body, format="json")
    assert response.status_code == 201, response.content
    again = client.post("/api/v1/messages/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    assert AuditEvent.objects.filter(target_id=response.json()["id"], action="create").count() == 1


def test_bad_sends_get_a_precise_400_and_write_nothing(org, alice, bob):
    client = client_for(operator_of(org))
    stranger = AgentFactory()
    cases = [
        ({"performative": "shout", "to": [str(bob.pk)]}, "performative"),
        ({"performative": "inform", "to": [str(stranger.pk)]}, "to"),
        ({"performative": "inform", "to": [str(bob.pk)], "content": "x" * 40_000}, "content"),
        ({"performative": "inform", "to": [str(bob.pk)], "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/messages/", {"sender": str(alice.pk), **body}, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["fields"], response.json()
    raw = client.post("/api/v1/messages/", data="{not json", content_type="application/json")
    assert raw.status_code == 400 and raw.json()["code"] == "parse_error"
    assert Message.objects.count() == 0


def test_sending_as_an_agent_you_may_not_operate_is_403(org, alice, bob):
    viewer = create_user(roles=("viewer",))
    assign_perm("view_organization", viewer, org)
    response = client_for(viewer).post("/api/v1/messages/", {"sender": str(alice.pk), "performative": "inform",
                                                             "to": [str(bob.pk)]}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_conversation_shows_the_thread_in_order_with_statuses(org, alice, bob, external,
                                                              django_assert_max_num_queries):
    first = send(alice, to=[bob.pk, external.pk]).message
    send(bob, to=[alice.pk], in_reply_to=first.pk, performative="agree")
    delivery_dispatch_due()
    client = client_for(operator_of(org))
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/v1/conversations/{first.conversation_id}/").json()
    assert [m["performative"] for m in body["messages"]] == ["inform", "agree"]
    statuses = {d["recipient_name"]: d["status"] for d in body["messages"][0]["deliveries"]}
    assert statuses == {"Bob": "acked", "Ext": "delivered"}
    assert client_for(create_user()).get(f"/api/v1/conversations/{first.conversation_id}/").status_code == 404


def test_lists_run_a_constant_number_of_queries(org, alice, external, django_assert_max_num_queries):
    for _ in range(30):
        send(alice, to=[external.pk])
    delivery_dispatch_due()
    client = client_for(operator_of(org))
    with django_assert_max_num_queries(8):
        assert len(client.get(f"/api/v1/agents/{external.pk}/inbox/").json()["results"]) == 30
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/messages/").json()["results"]) == 30
    Delivery.objects.update(status="dead", lease_until=None)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/dead-letters/").json()["results"]) == 30


def test_the_agent_key_reads_its_inbox_acks_and_sends_as_itself(org, alice, external, external_key):
    send(alice, to=[external.pk])
    send(alice, to=[external.pk])
    delivery_dispatch_due()
    client = key_client(external_key)
    inbox = client.get(f"/api/v1/agents/{external.pk}/inbox/").json()["results"]
    assert len(inbox) == 2 and inbox[0]["message"]["created_at"] <= inbox[1]["message"]["created_at"]
    ack = client.post(f"/api/v1/deliveries/{inbox[0]['id']}/ack/")
    assert ack.status_code == 200 and ack.json()["status"] == "acked"
    assert client.post(f"/api/v1/deliveries/{inbox[0]['id']}/ack/").status_code == 200  # idempotent
    nack = client.post(f"/api/v1/deliveries/{inbox[1]['id']}/nack/", {"reason": "no", "requeue": False},
                       format="json")
    assert nack.status_code == 200 and nack.json()["status"] == "dead"
    dead_ack = client.post(f"/api/v1/deliveries/{inbox[1]['id']}/ack/")
    assert dead_ack.status_code == 409 and dead_ack.json()["code"] == "delivery_dead"
    sent = client.post("/api/v1/messages/", {"performative": "inform", "to": [str(alice.pk)]}, format="json")
    assert sent.status_code == 201 and sent.json()["sender_agent"] == str(external.pk)
    assert not AuditEvent.objects.filter(target_id=sent.json()["id"]).exists()  # routine: not audited


def test_the_agent_key_reaches_nothing_else(org, alice, bob, external, external_key):
    other = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    msg = send(alice, to=[other.pk, external.pk]).message
    delivery_dispatch_due()
    theirs = Delivery.objects.get(recipient=other)
    client = key_client(external_key)
    assert client.get(f"/api/v1/agents/{other.pk}/inbox/").status_code == 404
    assert client.post(f"/api/v1/deliveries/{theirs.pk}/ack/").status_code == 404  # someone else's delivery
    assert client.post(f"/api/v1/deliveries/{theirs.pk}/nack/", {}, format="json").status_code == 404
    as_alice = client.post("/api/v1/messages/", {"sender": str(alice.pk), "performative": "inform",
                                                 "to": [str(bob.pk)]}, format="json")
    assert as_alice.status_code == 403
    assert client.get("/api/v1/messages/").status_code == 403
    for url in (f"/api/v1/messages/{msg.pk}/", f"/api/v1/conversations/{msg.conversation_id}/",
                "/api/v1/dead-letters/", "/api/v1/agents/", f"/api/v1/agents/{external.pk}/"):
        assert client.get(url).status_code == 401, url
    theirs.refresh_from_db()
    assert theirs.status == "delivered"


def test_paused_recipient_is_refused_with_the_reason(org, alice, bob):
    bob.status = AgentStatus.PAUSED
    bob.save()
    response = client_for(operator_of(org)).post(
        "/api/v1/messages/", {"sender": str(alice.pk), "performative": "inform", "to": [str(bob.pk)]}, format="json")
    assert response.status_code == 400 and "paused" in response.json()["fields"]["to"][0]


class _DeliveryMatrix(PermissionMatrix):
    def grant(self, user, action, obj):
        assign_perm(f"{action}_agent", user, obj.recipient)


class TestDeliveryAckPermissions(_DeliveryMatrix):
    detail_url = "/api/v1/deliveries/{pk}/"
    write_url = "/api/v1/deliveries/{pk}/ack/"
    write_method = "post"
    write_action = "operate"

    def make_object(self):
        sender = AgentFactory()
        recipient = AgentFactory(organization=sender.organization, kind=AgentKind.EXTERNAL)
        msg = send(sender, to=[recipient.pk]).message
        delivery_dispatch_due()
        return Delivery.objects.get(message=msg)


class TestDeadLetterPermissions(_DeliveryMatrix):
    list_url = "/api/v1/dead-letters/"
    detail_url = "/api/v1/dead-letters/{pk}/"
    write_url = "/api/v1/dead-letters/{pk}/redeliver/"
    write_method = "post"
    write_action = "operate"

    def make_object(self):
        sender = AgentFactory()
        recipient = AgentFactory(organization=sender.organization)
        msg = send(sender, to=[recipient.pk]).message
        Delivery.objects.filter(message=msg).update(status="dead", last_error="test")
        return Delivery.objects.get(message=msg)


class TestSendAsPermissions(SendAsMatrix):
    """Sending one message (POST messages/) as an agent needs operate on it."""


def test_a_person_nacking_without_requeue_writes_one_audit_event(org, alice, external):
    """The dead letter is the person's act: one event, theirs, naming both the nack and the dead letter."""
    send(alice, to=[external.pk])
    delivery_dispatch_due()
    delivery = Delivery.objects.get(recipient=external)
    person = operator_of(org)
    response = client_for(person).post(f"/api/v1/deliveries/{delivery.pk}/nack/",
                                       {"reason": "wrong recipient", "requeue": False}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dead"
    events = list(AuditEvent.objects.filter(target_id=str(delivery.pk)))
    assert len(events) == 1, [(e.actor_name, e.note) for e in events]
    assert events[0].actor_id == str(person.pk) and events[0].changes["status"] == ["delivered", "dead"]
    assert "nacked by an operator: wrong recipient" in events[0].note and "dead-lettered" in events[0].note


def test_an_expired_message_leaves_the_external_inbox_and_is_dead_lettered(org, alice, external, external_key):
    """Expiry means "not acted on after expires_at": an unacked message leaves the inbox at once, and the
    sweeper dead-letters it (reason ``expired``), so the sender learns it was not acted on in time."""
    import datetime

    from django.utils import timezone

    from agents.messaging.services.sweeper import delivery_sweep

    late = send(alice, to=[external.pk], expires_at=timezone.now() + datetime.timedelta(minutes=5)).message
    kept = send(alice, to=[external.pk]).message
    delivery_dispatch_due()
    client = key_client(external_key)
    inbox_url = f"/api/v1/agents/{external.pk}/inbox/"
    assert {d["message"]["id"] for d in client.get(inbox_url).json()["results"]} == {str(late.pk), str(kept.pk)}
    Delivery.objects.filter(message=late).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert [d["message"]["id"] for d in client.get(inbox_url).json()["results"]] == [str(kept.pk)]
    assert delivery_sweep(time_budget=1)["expired_unacked"] == 1
    expired = Delivery.objects.get(message=late)
    assert expired.status == "dead" and expired.last_error.startswith("expired")
    notice = Message.objects.get(performative="failure", in_reply_to=late)
    assert notice.content["reason"].startswith("expired")
    assert [d["message"]["id"] for d in client.get(inbox_url).json()["results"]] == [str(kept.pk)]
    refused = client.post(f"/api/v1/deliveries/{expired.pk}/ack/")
    assert refused.status_code == 409 and refused.json()["code"] == "delivery_dead"
    assert Delivery.objects.get(message=kept).status == "delivered"  # the sweep left the unexpired one alone
