"""A person answers a Contract-Net step as a participant agent they operate (issue 14, part 7: "e.g. propose in a
contract-net"), through ``POST protocols/{id}/reply/`` and the admin's reply form: the reply is checked against
the participant's session (Contract-Net's moves are per session), a proposal after the reply-by is sent and
rejected ``late`` by the initiator, a move the session cannot take is a 409 naming why, and the run says what a
participant may send."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents.models import AgentKind, Message, ProtocolRun
from agents.protocols.sweeper import protocols_sweep
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory
from tests.support.reasoning import World, beliefs_of, run_with_mail, sent_by

pytestmark = pytest.mark.django_db

PLANS = """
+!buy : true <- .start_protocol(cfp, [a, human], "desk", Bids, 30, 60); !award(Bids["proposals"]).
+!award(P) : len(P) == 1 or P[0]["content"] <= P[1]["content"]
    <- .start_protocol(accept-proposal, P[0]["participant"], "go", Done); +done(Done).
+!award(P) <- .start_protocol(accept-proposal, P[1]["participant"], "go", Done); +done(Done).
^message:cfp(Task, Sender) : has("price") <- .send(Sender, propose, belief("price", 0)).
^message:accept-proposal(What, Sender) <- .send(Sender, inform, {"delivered": What}).
"""


def _world() -> tuple[World, object, object]:
    world = World("buyer", "a", beliefs={"a": {"price": 30}})
    human = AgentFactory(organization=world.org, slug="human", name="Human supplier", kind=AgentKind.EXTERNAL)
    world.plans(PLANS)
    world.goal("buyer", "buy")
    run_with_mail()
    person = create_user()
    grant(person, world.org, "view", "operate")
    return world, human, client_for(person)


def _reply(client, run, sender, performative, content=None):
    return client.post(f"/api/v1/protocols/{run.pk}/reply/", {"sender": str(sender.pk), "performative": performative,
                                                              "content": content}, format="json")


def test_a_person_proposes_for_an_external_bidder_and_wins_then_informs_done():
    world, human, client = _world()
    run = ProtocolRun.objects.get()
    detail = client.get(f"/api/v1/protocols/{run.pk}/").json()
    assert detail["state"] == "awaiting_response" and detail["allowed"] == ["not-understood", "propose", "refuse"]
    response = _reply(client, run, human, "propose", 20)
    assert response.status_code == 201, response.content
    run_with_mail()  # the buyer takes it: every bidder answered, its plan accepts the cheaper (the person's)
    run.refresh_from_db()
    assert run.state == "awaiting_result"
    assert client.get(f"/api/v1/protocols/{run.pk}/").json()["allowed"] == ["failure", "inform"]
    assert _reply(client, run, human, "propose", 10).status_code == 409  # its session awaits the result
    assert _reply(client, run, human, "inform", {"delivered": "go"}).status_code == 201
    run_with_mail()
    run.refresh_from_db()
    assert run.state == "done" and run.result == [{"participant": str(human.pk), "performative": "inform",
                                                   "content": {"delivered": "go"}}]
    assert beliefs_of(world.buyer)["done"] == run.result


def test_a_proposal_after_the_reply_by_is_sent_and_rejected_late_by_the_initiator():
    world, human, client = _world()
    run = ProtocolRun.objects.get()
    ProtocolRun.objects.filter(pk=run.pk).update(response_by=timezone.now() - datetime.timedelta(seconds=1))
    assert protocols_sweep() == 1  # the reply-by passed: the call is closed with a's proposal
    run_with_mail()
    run.refresh_from_db()
    assert run.state == "done" and {s.participant_id: s.state for s in run.sessions.all()}[human.pk] == "timeout"
    response = _reply(client, run, human, "propose", 5)
    assert response.status_code == 201, response.content  # sent: the initiator answers it, as any late proposal
    run_with_mail()
    run.refresh_from_db()
    assert run.rejected[-1]["why"] == "late" and run.rejected[-1]["message"] == response.json()["id"]
    answer = sent_by(world.buyer)[-1]
    assert (answer.performative, answer.content, str(answer.in_reply_to_id)) == (
        "reject-proposal", {"reason": "late"}, response.json()["id"])
    assert _reply(client, run, human, "inform", "too late").status_code == 409
    assert not Message.objects.filter(sender_agent=human, performative="inform").exists()


def test_the_admin_reply_form_takes_a_proposal_for_the_bidder():
    world, human, _client = _world()
    run = ProtocolRun.objects.get()
    staff = create_user(roles=("viewer",), is_staff=True)
    grant(staff, world.org, "view", "operate")
    client = staff_client(staff)
    url = f"/admin/agents/protocolrun/{run.pk}/reply/"
    form = client.get(url)
    assert form.status_code == 200 and b"propose" in form.content
    refused = client.post(url, {"sender": str(human.pk), "performative": "inform", "content": "null"})
    assert refused.status_code == 200 and b"inform is not allowed from a participant in awaiting response" \
        in refused.content
    sent = client.post(url, {"sender": str(human.pk), "performative": "propose", "content": "20"})
    assert sent.status_code == 302, sent.content
    proposal = Message.objects.get(sender_agent=human, performative="propose")
    assert (proposal.conversation_id, proposal.content, proposal.protocol) == (run.pk, 20, "fipa-contract-net")
