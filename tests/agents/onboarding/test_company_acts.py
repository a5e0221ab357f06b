"""An onboarded company acts on its own, from its role templates' plan libraries alone: the cycle and the mail
run in the test's transaction (``run_with_mail``), nothing but beliefs is set by hand."""

from __future__ import annotations

from typing import Any

import pytest

from agents.models import Agent, ApprovalRequest, Goal, Intention, Message, Organization
from agents.onboarding.services import organization_agent_staff, organization_onboard
from agents.protocols.models import ProtocolRun
from agents.reasoning.approvals.services import approval_decide
from agents.reasoning.services.beliefs import belief_set
from tests.support.actors import SYSTEM
from tests.support.reasoning import beliefs_of, run_with_mail, traces_of

pytestmark = pytest.mark.django_db

ALL = ["ceo", "cfo", "coo", "cmo", "cto", "hr", "legal", "strategy", "knowledge"]
RUNWAY = "Keep at least three months of cash runway"


def _company(operator: Any, roles: list[str], name: str = "Kitchen Goods") -> tuple[Organization, dict[str, Agent]]:
    org = organization_onboard(by=operator, name=name, industry="retail", description="Pots and pans.",
                               size="small", roles=roles)
    return org, {agent.slug: agent for agent in org.agents.all()}


def _sent(agent: Agent, performative: str) -> list[tuple[str, Any]]:
    return [(m.deliveries.get().recipient.slug, m.content) for m in
            Message.objects.filter(sender_agent=agent, performative=performative).order_by("created_at")]


def test_an_onboarded_company_acts_and_the_cfo_keeps_its_runway_by_asking_for_cuts(operator):
    _org, agents = _company(operator, ALL)
    run_with_mail()
    cfo, ceo, cmo, coo = (agents[s] for s in ("cfo", "ceo", "cmo", "coo"))
    runway = Goal.objects.get(agent=cfo, name=RUNWAY)
    assert runway.status == "achieved" and not _sent(cfo, "request")  # 120 000 covers three months of 30 000
    # The CEO subscribed to the Knowledge agent's weekly digest and holds the latest one.
    [subscription] = ProtocolRun.objects.filter(initiator=ceo, protocol="fipa-subscribe")
    assert subscription.state == "subscribed"
    digest = beliefs_of(agents["knowledge"])["knowledge.weekly_digest"]
    assert digest["sources"] and beliefs_of(ceo)["leadership.latest_digest"] == digest
    # The CMO's campaign was chosen by the organization's learning policy, and waits for its result.
    [choice] = [t.choice for t in traces_of(cmo) if (t.event or {}).get("name") == "launch_campaign"]
    assert choice["policy"] == "thompson_shared" and choice["label"].startswith("campaign_")
    assert beliefs_of(cmo)["marketing.active_campaign"]["channel"] in {"social", "email", "discount"}
    assert {slug for slug, _ in _sent(agents["legal"], "inform") + _sent(agents["strategy"], "inform")} == {"ceo"}

    # Cash falls below three months of burn: the maintain goal breaks, the CFO asks the CMO and the COO.
    belief_set(agent=cfo, key="finance.cash", value=50000, by=SYSTEM)
    run_with_mail()
    assert _sent(cfo, "request") == [("cmo", {"cut_spend_pct": 20, "why": "runway"}),
                                     ("coo", {"cut_spend_pct": 20, "why": "runway"})]
    assert beliefs_of(cmo)["marketing.monthly_spend"] == 6400 and beliefs_of(coo)["operations.monthly_spend"] == 9600
    assert beliefs_of(cfo)["finance.spend_cut_answers"] == [{"monthly_spend": 6400}, {"monthly_spend": 9600}]
    runs = ProtocolRun.objects.filter(initiator=cfo, protocol="fipa-request")
    assert sorted(run.state for run in runs) == ["done", "done"]
    runway.refresh_from_db()
    assert runway.status == "achieved"

    # With marketing at its floor the CMO refuses: the recovery plan tells the CEO.
    belief_set(agent=cmo, key="marketing.monthly_spend", value=3000, by=SYSTEM)
    belief_set(agent=cfo, key="finance.cash", value=40000, by=SYSTEM)
    run_with_mail()
    assert _sent(cmo, "refuse") == [("cfo", {"reason": "marketing spend is at its floor"})]
    [(to, alarm)] = _sent(cfo, "inform")
    assert to == "ceo" and alarm["spend_cut"] == "refused" and alarm["runway_months"] == pytest.approx(40000 / 30000)
    assert beliefs_of(ceo)["leadership.runway_alarm"] == alarm
    runway.refresh_from_db()
    assert runway.status == "failed"
    failed = Intention.objects.get(agent=cfo, goal=runway, status="failed")
    assert failed.error["error"] == "refused" and failed.error["recovered"] is True


def test_the_coo_restocks_by_contract_net_and_above_its_limit_the_cfo_asks_a_person(operator):
    org, agents = _company(operator, ["ceo", "cfo", "coo", "supplier"])
    coo, cfo = agents["coo"], agents["cfo"]
    dearer = organization_agent_staff(organization=org, role_slug="supplier", slug="dearer", name="Dearer", by=SYSTEM,
                                      supervisor=coo, beliefs={"supplier.name": "Dearer", "supplier.unit_price": 7})
    flaky = organization_agent_staff(organization=org, role_slug="supplier", slug="flaky", name="Flaky", by=SYSTEM,
                                     supervisor=coo, beliefs={"supplier.flaky": True})
    belief_set(agent=agents["supplier"], key="supplier.unit_price", value=6, by=SYSTEM)
    run_with_mail()
    assert not ProtocolRun.objects.filter(initiator=coo).exists()  # 500 in stock: nothing to buy

    belief_set(agent=coo, key="stock.on_hand", value=120, by=SYSTEM)
    run_with_mail()
    [run] = ProtocolRun.objects.filter(initiator=coo, protocol="fipa-contract-net")
    assert run.content == {"item": "goods", "units": 200}
    # 1200 is above the COO's limit: it asks the CFO (a FIPA Request), whose limit it is above too, so the CFO
    # asks a person with operate on the organization, and the COO's request waits for the CFO's answer.
    [ask] = ProtocolRun.objects.filter(initiator=coo, protocol="fipa-request")
    assert ask.content == {"approve_spend": 1200, "to": "Supplier", "units": 200} and ask.state == "awaiting_result"
    assert not ApprovalRequest.objects.filter(agent=coo).exists()
    [request] = ApprovalRequest.objects.filter(agent=cfo, status="pending")
    assert request.name == "spend" and request.of == "operators" and request.plan == "spend_asks_a_person"
    assert "1200" in request.question and "Supplier" in request.question  # the cheapest: 200 at 6
    failed = Intention.objects.get(agent=flaky, status="failed")
    assert failed.error["error"] == "supplier_unavailable"  # a failure signal for the Suppliers' policy
    assert org.groups.get(name="Suppliers").supervisor_policy is not None

    approval_decide(request=request, by=operator, decision="approved", comment="within budget")
    run_with_mail()
    ask.refresh_from_db()
    assert ask.state == "done" and ask.result == {"approved": True, "by": "person", "note": "within budget"}
    assert Intention.objects.get(pk=request.intention_id, agent=cfo).status == "achieved"  # it went on after the gate
    run.refresh_from_db()
    assert run.state == "done" and run.result[0]["content"] == {"done": {"units": 200}}
    assert beliefs_of(coo)["stock.on_order"] == 200 and beliefs_of(coo)["stock.last_supplier"] == "Supplier"
    assert beliefs_of(agents["supplier"])["supplier.stock"] == 9800
    assert beliefs_of(dearer)["supplier.last_lost"] == {"reason": "not_accepted"}
    assert Goal.objects.get(agent=coo, name="Keep stock above the reorder level").status == "achieved"

    # The next time the person rejects: the CFO answers no, and the COO records the refusal and orders nothing.
    belief_set(agent=coo, key="stock.on_order", value=0, by=SYSTEM)
    run_with_mail()
    [request] = ApprovalRequest.objects.filter(agent=cfo, status="pending")
    approval_decide(request=request, by=operator, decision="rejected", comment="not this month")
    run_with_mail()
    refused = beliefs_of(coo)["stock.purchase_refused"]
    assert refused["answer"]["approved"] is False and refused["price"] == 1200 and refused["to"] == "Supplier"
    assert beliefs_of(coo)["stock.on_order"] == 0 and beliefs_of(agents["supplier"])["supplier.stock"] == 9800
    assert ProtocolRun.objects.filter(initiator=coo, protocol="fipa-contract-net", state="done").count() == 1


def test_a_flaky_supplier_is_restarted_by_its_teams_policy_then_escalated_to_its_supervisor(operator):
    from agents.messaging.services.send import message_send
    from agents.supervision.services.check import supervision_check
    from tests.support.supervision import back_off_over, kinds

    org, agents = _company(operator, ["ceo", "coo"])
    coo = agents["coo"]
    flaky = organization_agent_staff(organization=org, role_slug="supplier", slug="flaky", name="Flaky", by=SYSTEM,
                                     supervisor=coo, beliefs={"supplier.flaky": True})
    policy = org.groups.get(name="Suppliers").supervisor_policy
    run_with_mail()

    def two_failed_quotes() -> None:
        for _ in range(policy.failure_threshold):
            message_send(organization=org, sender_agent=coo, by=SYSTEM, performative="cfp", to=[flaky.pk],
                         content={"item": "goods", "units": 10})
        run_with_mail()
        supervision_check()

    two_failed_quotes()
    assert kinds(flaky)[-2:] == ["intentions_failing", "restart_scheduled"]
    for _ in range(policy.intensity):  # restarted up to the policy's intensity, failing again each time
        back_off_over(flaky)
        supervision_check()
        two_failed_quotes()
    assert kinds(flaky).count("restarted") == policy.intensity and kinds(flaky)[-1] == "escalated"
    escalation = Message.objects.filter(performative="failure", deliveries__recipient=coo).last()
    assert escalation is not None and str(flaky.pk) in str(escalation.content)
