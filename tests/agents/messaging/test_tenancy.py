"""Tenancy through the messaging API: another tenant's ids (and ids the caller may not see) look exactly like
missing ones, and a reused conversation id neither leaks nor merges two tenants' threads."""

from __future__ import annotations

import uuid

from guardian.shortcuts import assign_perm

from agents.models import AgentKind, Delivery, Message, Subscription
from tests.support.api import client_for, create_user, key_client
from tests.support.factories import AgentFactory, AgentGroupFactory, AgentRoleFactory, MembershipFactory
from tests.support.messaging import operator_of, send

SEND, BATCH = "/api/v1/messages/", "/api/v1/messages/batch/"


def answer(response, *ids) -> tuple:
    """Status, code, detail and fields of a refusal, with the ids it names replaced by a placeholder."""
    text = response.content.decode()
    for value in ids:
        text = text.replace(str(value), "<id>")
    return response.status_code, text


def operator_of_agent(agent, *, see=()):
    """A person who may operate ``agent`` only (an agent-level grant, no grant on its organization)."""
    user = create_user(roles=("operator",))
    for verb in ("view", "operate"):
        assign_perm(f"{verb}_agent", user, agent)
    for other in see:
        assign_perm("view_agent", user, other)
    return user


def test_a_foreign_or_invisible_recipient_answers_exactly_like_a_random_uuid(org, alice, bob):
    foreign = AgentFactory()  # another organization
    random_id = uuid.uuid4()
    as_org_operator = client_for(operator_of(org))
    as_alice_operator = client_for(operator_of_agent(alice))  # may not see bob
    for client, hidden in ((as_org_operator, foreign.pk), (as_alice_operator, foreign.pk),
                           (as_alice_operator, bob.pk)):
        def refusal(target, client=client):
            body = {"sender": str(alice.pk), "performative": "inform", "to": [str(target)]}
            return answer(client.post(SEND, body, format="json"), target)
        missing = refusal(random_id)
        assert missing[0] == 400 and '"to"' in missing[1], missing
        assert refusal(hidden) == missing
    assert Message.objects.count() == 0


def test_a_foreign_recipient_answers_like_a_random_uuid_in_a_batch_and_for_an_agent_key(
        org, alice, bob, external, external_key):
    foreign, random_id = AgentFactory(), uuid.uuid4()
    person_as_bob = {"sender": str(bob.pk)}
    for client, sender in ((client_for(operator_of(org)), person_as_bob), (key_client(external_key), {})):
        def refusal(target, client=client, sender=sender):
            items = [{**sender, "performative": "inform", "to": [str(alice.pk)]},
                     {**sender, "performative": "inform", "to": [str(target)]}]
            return answer(client.post(BATCH, {"messages": items}, format="json"), target)
        missing = refusal(random_id)
        assert missing[0] == 400 and "messages[1].to" in missing[1], missing
        assert refusal(foreign.pk) == missing
    assert Message.objects.count() == 0


def test_groups_roles_and_topics_reach_only_what_a_person_may_see(org, alice, bob, carol):
    group = AgentGroupFactory(organization=org)
    for member in (bob, carol):
        MembershipFactory(organization=org, group=group, agent=member)
    role = AgentRoleFactory(organization=org)
    bob.role = carol.role = role
    bob.save()
    carol.save()
    for member in (bob, carol):
        Subscription.objects.create(organization=org, agent=member, topic_pattern="sales.*")
    person = client_for(operator_of_agent(alice, see=[bob]))  # sees alice and bob, not carol nor the org
    random_id = uuid.uuid4()

    def send(**recipients):
        return person.post(SEND, {"sender": str(alice.pk), "performative": "inform", **recipients}, format="json")

    # A group of an organization the person may not view answers like a missing group.
    assert answer(send(group=str(group.pk)), group.pk) == answer(send(group=str(random_id)), random_id)
    assert answer(send(group=str(AgentGroupFactory().pk)), "x") == answer(send(group=str(random_id)), "x")
    # A role or a topic reaches the holders and subscribers the person may see, and only them.
    for recipients in ({"role": str(role.pk)}, {"role": role.slug}, {"topic": "sales.q3"}):
        response = send(**recipients)
        assert response.status_code == 201, (recipients, response.content)
        assert set(Delivery.objects.filter(message_id=response.json()["id"])
                   .values_list("recipient_id", flat=True)) == {bob.pk}, recipients
    # A role held only by agents the person may not see answers like one nobody holds.
    carol.role = AgentRoleFactory(organization=org)
    carol.save()
    assert answer(send(role=str(carol.role.pk)), carol.role.pk) == answer(send(role=str(random_id)), random_id)
    assert send(role=carol.role.slug).json()["detail"] == send(role="no-such-role").json()["detail"]


def test_a_conversation_id_of_another_tenant_is_a_fresh_conversation_and_the_threads_never_mix(org, alice, bob):
    ours = client_for(operator_of(org)).post(SEND, {"sender": str(alice.pk), "performative": "inform",
                                                    "to": [str(bob.pk)]}, format="json").json()
    conversation = ours["conversation_id"]
    mallory = AgentFactory()
    eve = AgentFactory(organization=mallory.organization)
    theirs_client = client_for(operator_of(mallory.organization))

    def send_in(conversation_id):
        return theirs_client.post(SEND, {"sender": str(mallory.pk), "performative": "inform", "to": [str(eve.pk)],
                                         "conversation_id": str(conversation_id)}, format="json")

    reused, fresh = send_in(conversation), send_in(uuid.uuid4())
    assert reused.status_code == fresh.status_code == 201, reused.content
    assert reused.json()["conversation_id"] == conversation
    # each tenant sees its own thread only
    mine = client_for(operator_of(org)).get(f"/api/v1/conversations/{conversation}/").json()
    assert [m["id"] for m in mine["messages"]] == [ours["id"]]
    theirs = theirs_client.get(f"/api/v1/conversations/{conversation}/").json()
    assert [m["id"] for m in theirs["messages"]] == [reused.json()["id"]]
    # someone who sees both must say which: the two threads are never shown as one
    root = client_for(create_user(is_superuser=True))
    ambiguous = root.get(f"/api/v1/conversations/{conversation}/")
    assert ambiguous.status_code == 400 and ambiguous.json()["code"] == "conversation_ambiguous"
    assert "organization" in ambiguous.json()["fields"]
    picked = root.get(f"/api/v1/conversations/{conversation}/?organization={org.pk}").json()
    assert [m["id"] for m in picked["messages"]] == [ours["id"]]
    assert root.get(f"/api/v1/conversations/{conversation}/?organization={uuid.uuid4()}").status_code == 404
    assert root.get(f"/api/v1/conversations/{conversation}/?organization=nope").status_code == 400


def test_message_and_conversation_views_show_only_the_deliveries_the_caller_may_see(org, alice, bob, carol):
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL, name="Ext")
    sent = client_for(operator_of(org)).post(SEND, {"sender": str(alice.pk), "performative": "inform",
                                                    "to": [str(bob.pk), str(carol.pk), str(external.pk)]},
                                             format="json").json()
    Delivery.objects.filter(recipient=carol).update(last_error="carol's secret trouble")

    def shown(client):
        detail = client.get(f"{SEND}{sent['id']}/")
        thread = client.get(f"/api/v1/conversations/{sent['conversation_id']}/")
        assert detail.status_code == thread.status_code == 200, (detail.content, thread.content)
        names = sorted(d["recipient_name"] for d in detail.json()["deliveries"])
        assert names == sorted(d["recipient_name"] for d in thread.json()["messages"][0]["deliveries"])
        return names, detail.content + thread.content

    everyone, _ = shown(client_for(operator_of(org)))
    assert everyone == ["Bob", "Carol", "Ext"]
    sender_side, body = shown(client_for(operator_of_agent(alice)))  # sees the message through its sender
    assert sender_side == [] and b"carol's secret trouble" not in body and str(carol.pk).encode() not in body
    one, body = shown(client_for(operator_of_agent(alice, see=[bob])))
    assert one == ["Bob"] and b"secret trouble" not in body
    recipient_side, _ = shown(client_for(operator_of_agent(carol)))  # a recipient sees its own delivery
    assert recipient_side == ["Carol"]


def test_a_reply_to_a_message_outside_the_senders_view_answers_like_a_random_id(org, alice, bob, external,
                                                                                external_key):
    between_alice_and_bob = send(alice, to=[bob.pk]).message  # same organization, never seen by the key's agent
    stranger = AgentFactory()
    theirs = send(stranger, to=[AgentFactory(organization=stranger.organization).pk]).message
    client = key_client(external_key)

    def reply(parent_id):
        body = {"performative": "inform", "to": [str(alice.pk)], "in_reply_to": str(parent_id)}
        return answer(client.post(SEND, body, format="json"), parent_id)

    missing = reply(uuid.uuid4())
    assert missing[0] == 400 and "in_reply_to" in missing[1], missing
    assert reply(theirs.pk) == missing
    assert reply(between_alice_and_bob.pk) == missing
    assert Message.objects.filter(sender_agent=external).count() == 0


def test_the_admin_timeline_shows_one_organizations_thread_and_only_visible_deliveries(org, alice, bob):
    from django.test import Client

    ours = send(alice, to=[bob.pk], content={"text": "our plan"}).message
    mallory = AgentFactory(name="Mallory")
    send(mallory, to=[AgentFactory(organization=mallory.organization, name="Eve").pk],
         content={"text": "injected"}, conversation_id=ours.conversation_id)
    root = Client()
    root.force_login(create_user(is_superuser=True, is_staff=True))
    page = root.get(f"/admin/agents/message/{ours.pk}/change/")
    assert page.status_code == 200
    assert b"our plan" in page.content and b">Bob</a> (" in page.content  # each recipient links to its page
    assert b"injected" not in page.content and b">Eve</a>" not in page.content and b"Eve (" not in page.content
