"""Issue 14's black-box check, through the HTTP API only, with a real worker: a contract-net run by the demo
COO in which three bidders propose, one proposal (typed by a person for an external bidder) comes after the
reply-by and is rejected ``late``, the best is accepted and informs done; before the accept an approval gate,
refused to a user who lacks ``operate`` and approved by one who has it. Then the bad inputs reachable there:
approving twice, a reply from an agent that is not a participant, cancelling a finished run.

The session's worker runs without beat, so nothing closes the call at its reply-by: the late proposal does
(its session times out; every session has then answered), as docs/protocols.md's worked example says."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tests.support.actors import grant
from tests.support.api import client_for, create_user
from tests.support.demo import Demo, demo_seeded
from tests.support.polling import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

BIDDERS = """
@bid ^message:cfp(Task, Sender) : has("bid.price") <- .send(Sender, propose, {"price": belief("bid.price", 0)}).
@work ^message:accept-proposal(Job, Sender) <- .send(Sender, inform, {"done": Job}); +bid.won(Job).
@lose ^message:reject-proposal(Why, Sender) <- +bid.lost(Why).
"""
BUYER = """
@tender +!tender <- .start_protocol(cfp, [north, south, east], {"job": "restock"}, Bids, 8, 600); !choose(Bids["proposals"]).
@first +!choose(P) : len(P) == 1 or P[0]["content"]["price"] <= P[1]["content"]["price"] <- !award(P[0]).
@second +!choose(P) <- !award(P[1]).
@award +!award(Best) <- .ask_approval(award, {"pay": Best["content"]["price"]}, 600);
    .start_protocol(accept-proposal, Best["participant"], {"job": "restock"}, Done); +tender.done(Done).
"""


@pytest.fixture
def demo(celery_worker_process) -> Demo:
    return demo_seeded(client_for(create_user(is_staff=True, is_superuser=True)))


def _people(demo: Demo):
    """An operator (view and operate on the demo), a viewer (view only) and a stranger (nothing)."""
    from agents.models import Organization  # the grants are set up outside the API: it has no grants endpoint

    org = Organization.objects.get(pk=demo.org)
    operator, viewer, stranger = create_user(), create_user(), create_user()
    grant(operator, org, "view", "operate")
    grant(viewer, org, "view")
    return client_for(operator), client_for(viewer), client_for(stranger)


def _reply(client, run_id: str, sender: str, performative: str, content=None):
    return client.post(f"/api/v1/protocols/{run_id}/reply/", {"sender": sender, "performative": performative,
                                                              "content": content}, format="json")


def _coo_intention(demo: Demo, goal: str) -> dict:
    [intention] = [i for i in demo.get(f"/api/v1/agents/{demo.ids['coo']}/intentions/")["results"]
                   if i["goal"] == goal]
    return intention


def test_three_bid_one_is_late_the_best_is_approved_accepted_and_done(demo):
    operator, viewer, stranger = _people(demo)
    supplier = demo.post("/api/v1/roles/", {"organization": demo.org, "name": "Bidder", "slug": "bidder"})["id"]
    for slug, price in (("north", 700), ("south", 650), ("east", None)):
        demo.post("/api/v1/agents/", {"organization": demo.org, "role": supplier, "name": slug.title(), "slug": slug,
                                      **({"kind": "external"} if price is None else {})})
        if price is not None:
            demo.post(f"/api/v1/agents/{demo.ids[slug]}/beliefs/", {"key": "bid.price", "value": price})
    demo.plans(BIDDERS)
    demo.plans(BUYER)
    goal = demo.post(f"/api/v1/agents/{demo.ids['coo']}/goals/", {"name": "tender"})["id"]

    # North and South propose in time; East's person answers after the reply-by: sent, then rejected late.
    [run] = wait_until(lambda: demo.runs_of("coo"), timeout=30, message="the COO's run")
    run_id, reply_by = run["id"], parse_datetime(run["response_by"])
    wait_until(lambda: demo.sessions(demo.run(run_id)) == {"north": "proposed", "south": "proposed",
                                                          "east": "awaiting_response"},
               timeout=8, message="North and South proposing before the reply-by")
    wait_until(lambda: timezone.now() > reply_by, timeout=10, message="the reply-by passing")
    late = _reply(operator, run_id, demo.ids["east"], "propose", {"price": 500})
    assert late.status_code == 201, late.content
    late_id = late.json()["id"]

    run = wait_until(lambda: (r := demo.run(run_id))["rejected"] and r, timeout=30, message="the late one rejected")
    assert [(e["message"], e["sender"], e["performative"], e["why"]) for e in run["rejected"]] == [
        (late_id, demo.ids["east"], "propose", "late")]
    [rejection] = [m for m in run["messages"] if m["in_reply_to"] == late_id]
    assert (rejection["performative"], rejection["content"], rejection["recipients"]) == (
        "reject-proposal", {"reason": "late"}, [demo.ids["east"]])
    assert run["state"] == "awaiting_decision"
    assert demo.sessions(run) == {"north": "proposed", "south": "proposed", "east": "timeout"}

    # The gate: a viewer may see the request but not decide it (403), a stranger cannot see it (404).
    [request] = wait_until(lambda: demo.approvals("coo"), timeout=30, message="the approval request")
    approve = f"/api/v1/approvals/{request['id']}/approve/"
    assert viewer.get(f"/api/v1/approvals/{request['id']}/").status_code == 200
    assert viewer.post(approve, {"comment": "yes"}, format="json").status_code == 403
    assert stranger.post(approve, {"comment": "yes"}, format="json").status_code == 404
    unchanged = demo.get(f"/api/v1/approvals/{request['id']}/")
    assert (unchanged["status"], unchanged["decided_by"], unchanged["comment"]) == ("pending", None, "")
    assert _coo_intention(demo, goal)["status"] == "waiting" and demo.run(run_id)["state"] == "awaiting_decision"
    response = operator.post(approve, {"comment": "best in time"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["comment"]) == ("approved", "best in time")

    # The intention continues: the best (South, 650) is accepted, informs done; the goal is achieved.
    wait_until(lambda: demo.goal_status("coo", goal) == "achieved", timeout=30, message="the tender achieved")
    run = demo.run(run_id)
    assert run["state"] == "done" and run["phase"] == "closed"
    assert demo.sessions(run) == {"north": "rejected", "south": "done", "east": "timeout"}
    assert run["result"] == [{"participant": demo.ids["south"], "performative": "inform",
                              "content": {"done": {"job": "restock"}}}]
    decision = [(m["performative"], m["recipients"], m["content"]) for m in run["messages"]
                if m["sender_agent"] == demo.ids["coo"] and m["performative"] != "cfp" and m["in_reply_to"] is None]
    assert decision == [("accept-proposal", [demo.ids["south"]], {"job": "restock"}),
                        ("reject-proposal", [demo.ids["north"]], {"reason": "not_accepted"})]
    assert [m["sender_agent"] for m in run["messages"] if m["performative"] == "inform"] == [demo.ids["south"]]
    assert _coo_intention(demo, goal)["status"] == "achieved"
    assert demo.beliefs("coo")["tender.done"] == run["result"] and demo.beliefs("south")["bid.won"] == {"job": "restock"}

    # The bad inputs reachable here.
    twice = operator.post(approve, {"comment": "again"}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "approval_decided", twice.content
    stranger_voice = _reply(operator, run_id, demo.ids["cfo"], "inform", {"done": True})
    assert stranger_voice.status_code == 400 and "sender" in stranger_voice.json()["fields"], stranger_voice.content
    # (a 409 protocol_run_busy while the COO's cycle holds it — it reasons over the belief it just added — says
    # try again: only then is the run's state looked at)
    cancel = wait_until(lambda: (c := operator.post(f"/api/v1/protocols/{run_id}/cancel/", {"reason": "too late"},
                                                    format="json")).json().get("code") != "protocol_run_busy" and c,
                        timeout=10, message="a cancel not refused as busy")
    assert cancel.status_code == 409 and cancel.json()["code"] == "protocol_run_closed", cancel.content
    after = demo.run(run_id)
    assert (after["state"], after["version"], len(after["messages"])) == ("done", run["version"], len(run["messages"]))
