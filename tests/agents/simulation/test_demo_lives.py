"""The demo company lives on simulated days (issue 17, "Checked by"), in process: ``seed_demo`` as ``make run``
seeds it, then each day ``simulation_advance`` (what the beat's task does) and the agents' cycles and mail to
rest (``run_with_mail``, the worker's work in the test's transaction). Nothing is set by hand: the simulation's
orders break the COO's stock, the COO calls for bids and asks the CFO, the CFO asks a person, and the person's
approval lets the CFO's intention continue and the COO order; the goods arrive after the lead time and are paid;
a new week of the simulated calendar brings the CMO's next campaign and the Knowledge agent's next digest.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from agents.models import ApprovalRequest, Intention, Message, Organization, PlanOutcome, SimulationDay
from agents.protocols.models import ProtocolRun
from agents.protocols.sweeper import protocols_sweep
from agents.reasoning.approvals.services import approval_decide
from agents.simulation.services.days import SIMULATION, simulation_advance
from tests.support.api import create_user
from tests.support.reasoning import beliefs_of, run_with_mail

pytestmark = pytest.mark.django_db


def _day(org: Organization) -> SimulationDay:
    """One simulated day, then the agents until they rest. A call for bids still open is closed at its reply-by:
    Atlas, the external supplier, answers only when its program runs (scripts/external_supplier.py), and beat's
    protocol sweeper closes the call then; here the sweep is called with the reply-by passed."""
    row = simulation_advance(organization=org, by=SIMULATION)
    run_with_mail()
    for run in ProtocolRun.objects.filter(initiator__organization=org, protocol="fipa-contract-net",
                                          state="awaiting_response"):
        protocols_sweep(now=run.response_by + timedelta(seconds=1))
        run_with_mail()
    return row


def test_the_demo_lives_until_the_cfo_asks_a_person_whose_approval_lets_it_continue_and_the_coo_order():
    admin = create_user("admin")  # seed_demo gives the user named admin operate on the demo, as make run does
    call_command("seed_demo", verbosity=0)
    org = Organization.objects.get(slug="demo-online-retailer")
    agents = {agent.slug: agent for agent in org.agents.all()}
    cfo, coo, cmo = agents["cfo"], agents["coo"], agents["cmo"]
    run_with_mail()
    assert not ApprovalRequest.objects.exists() and beliefs_of(coo)["stock.on_hand"] == 500

    days = []
    while not ApprovalRequest.objects.filter(status="pending").exists():
        days.append(_day(org))
        assert len(days) <= 4, "the stock should break the reorder level within four simulated days"
    [request] = ApprovalRequest.objects.filter(status="pending")
    # The CFO asks, for the COO's purchase from the cheapest supplier that answered (Hanse: 200 at 6; Rhein is
    # flaky and refuses, Atlas is silent), above both the COO's and the CFO's limit of 1000.
    assert request.agent == cfo and request.plan == "spend_asks_a_person" and request.of == "operators"
    assert "1200" in request.question and "Hanse Supplies" in request.question
    waiting = Intention.objects.get(pk=request.intention_id)
    assert waiting.status == "waiting" and waiting.trigger_kind == "message"
    assert days[-1].stock_on_hand + days[-1].stock_on_order < 200 <= days[-2].stock_on_hand
    assert ProtocolRun.objects.get(initiator=coo, protocol="fipa-request").state == "awaiting_result"
    # Messages flowed (the call for bids, the proposals and refusals, the COO's request and the CFO's agree),
    # and the CMO's first campaign got its result from the simulation, which learning recorded.
    performatives = set(Message.objects.filter(sender_agent__organization=org).values_list("performative",
                                                                                          flat=True))
    assert {"cfp", "propose", "refuse", "request", "agree"} <= performatives
    result = beliefs_of(cmo)["marketing.campaign_result"]
    assert result["day"] == 2 and result["channel"] in {"social", "email", "discount"}
    assert PlanOutcome.objects.filter(agent=cmo, plan__label=f"campaign_{result['channel']}").exists()

    approval_decide(request=request, by=admin, decision="approved", comment="go ahead")
    run_with_mail()
    waiting.refresh_from_db()
    assert waiting.status == "achieved"  # the CFO's intention continued after the gate and answered the COO
    assert ProtocolRun.objects.get(initiator=coo, protocol="fipa-request").result == {
        "approved": True, "by": "person", "note": "go ahead"}
    assert ProtocolRun.objects.get(initiator=coo, protocol="fipa-contract-net").state == "done"
    assert beliefs_of(coo)["stock.on_order"] == 200 and beliefs_of(coo)["stock.last_supplier"] == "Hanse Supplies"

    ordered = len(days)
    while beliefs_of(coo)["stock.on_order"]:
        days.append(_day(org))
        assert len(days) <= ordered + 3, "the order should arrive after the two days' lead time"
    arrival = days[-1]
    assert arrival.day == days[ordered].day + 2  # seen on the first day after the order, arrived two days on
    assert arrival.stock_on_hand == days[-2].stock_on_hand + 200 - min(arrival.orders, days[-2].stock_on_hand + 200)
    paid = float(days[-2].cash) + float(arrival.revenue) - 30000 / 30 - float(arrival.cash)
    assert paid == pytest.approx(1200)

    # Day 7 starts a week of the simulated calendar: the CMO launches its next campaign (judged a day after the
    # simulation sees it) and the Knowledge agent publishes its next digest, which reaches the CEO.
    digest = beliefs_of(agents["ceo"])["leadership.latest_digest"]
    while days[-1].day < 9:
        days.append(_day(org))
    second = beliefs_of(cmo)["marketing.campaign_result"]
    assert second["day"] == 9 and second["started"] != result["started"]
    assert PlanOutcome.objects.filter(agent=cmo, plan__label__startswith="campaign_").count() == 2
    assert beliefs_of(agents["ceo"])["leadership.latest_digest"]["week_of"] != digest["week_of"]
