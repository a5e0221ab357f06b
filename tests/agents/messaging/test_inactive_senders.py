"""A stopped or failed agent sends nothing, with its key or through a person; its key may still drain its inbox."""

from __future__ import annotations

import pytest

from agents.agent.services.lifecycle import agent_fail, agent_pause, agent_restart, agent_stop
from agents.keys.services import agent_key_create
from agents.messaging.services.delivery import delivery_dispatch_due
from agents.models import AgentKind, Message
from tests.support.actors import SYSTEM
from tests.support.api import client_for, key_client
from tests.support.factories import AgentFactory
from tests.support.messaging import operator_of, send

SEND, BATCH = "/api/v1/messages/", "/api/v1/messages/batch/"


@pytest.mark.parametrize("halt", [agent_stop, agent_fail], ids=["stopped", "failed"])
def test_a_stopped_or_failed_agents_key_cannot_send_but_may_drain_its_inbox(org, alice, halt):
    runtime = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    _key, raw = agent_key_create(agent=runtime, by=SYSTEM)
    client = key_client(raw)
    to_alice = {"performative": "inform", "to": [str(alice.pk)]}
    # The key is used (and remembered by the key cache, with the agent as it was) while the agent runs.
    assert client.post(SEND, to_alice, format="json").status_code == 201
    send(alice, to=[runtime.pk])
    send(alice, to=[runtime.pk])
    delivery_dispatch_due()
    halt(agent=runtime, by=SYSTEM)
    sent_before = Message.objects.count()

    single = client.post(SEND, to_alice, format="json")
    assert single.status_code == 409, single.content
    assert single.json()["code"] == "sender_inactive" and "sender" in single.json()["fields"]
    batch = client.post(BATCH, {"messages": [to_alice, to_alice]}, format="json")
    assert batch.status_code == 409, batch.content
    assert batch.json()["code"] == "sender_inactive" and "messages[0].sender" in batch.json()["fields"]
    assert Message.objects.count() == sent_before
    beliefs = f"/api/v1/agents/{runtime.pk}/beliefs/"
    write = client.post(beliefs, {"key": "mood", "value": "sad"}, format="json")
    assert write.status_code == 409 and write.json()["code"] == "agent_inactive", write.content
    goal = client.post(f"/api/v1/agents/{runtime.pk}/goals/", {"name": "Keep going"}, format="json")
    assert goal.status_code == 409 and goal.json()["code"] == "agent_inactive", goal.content

    # Draining is allowed: read the inbox, ack and nack what was delivered, read its state.
    inbox = client.get(f"/api/v1/agents/{runtime.pk}/inbox/")
    assert inbox.status_code == 200 and len(inbox.json()["results"]) == 2
    first, second = (d["id"] for d in inbox.json()["results"])
    assert client.post(f"/api/v1/deliveries/{first}/ack/").json()["status"] == "acked"
    nack = client.post(f"/api/v1/deliveries/{second}/nack/", {"reason": "shutting down", "requeue": False},
                       format="json")
    assert nack.status_code == 200 and nack.json()["status"] == "dead"
    assert client.get(beliefs).status_code == 200

    agent_restart(agent=runtime, by=SYSTEM)
    assert client.post(SEND, to_alice, format="json").status_code == 201
    assert client.post(beliefs, {"key": "mood", "value": "fine"}, format="json").status_code == 201


def test_a_person_cannot_send_as_a_stopped_agent_and_a_paused_one_still_sends(org, alice, bob, carol):
    client = client_for(operator_of(org))
    agent_stop(agent=alice, by=SYSTEM)
    body = {"sender": str(alice.pk), "performative": "inform", "to": [str(bob.pk)]}
    refused = client.post(SEND, body, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "sender_inactive", refused.content
    in_batch = client.post(BATCH, {"messages": [{"sender": str(carol.pk), "performative": "inform",
                                                 "to": [str(bob.pk)]}, body]}, format="json")
    assert in_batch.status_code == 409 and "messages[1].sender" in in_batch.json()["fields"], in_batch.content
    assert Message.objects.count() == 0
    agent_restart(agent=alice, by=SYSTEM)
    agent_pause(agent=alice, by=SYSTEM)  # pausing stops reasoning, not the mail
    assert client.post(SEND, body, format="json").status_code == 201
