"""scripts/external_supplier.py, the demo's external supplier, speaking through the API with its agent key: the
demo COO's restock calls for bids from the three suppliers, the script's proposal is the cheapest, a person
approves it when the CFO asks (above the COO's and the CFO's limits), the script delivers, and the run is done."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from agents.keys.services import agent_key_create
from agents.models import ApprovalRequest, Message, Organization
from agents.organization.services.organizations import organization_grant
from agents.protocols.models import ProtocolRun
from agents.reasoning.approvals.services import approval_decide
from agents.reasoning.services.beliefs import belief_set
from tests.support.actors import SYSTEM
from tests.support.api import create_user
from tests.support.reasoning import beliefs_of, run_with_mail

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "external_supplier.py"


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("external_supplier", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_answers_it_gives():
    script = _script()
    assert script.answer({"performative": "cfp", "content": {"units": 200}}, name="A", unit_price=5.5) == {
        "performative": "propose", "content": {"price": 1100.0, "supplier": "A"}}
    assert script.answer({"performative": "cfp", "content": "desk"}, name="A", unit_price=1)["performative"] \
        == "refuse"
    assert script.answer({"performative": "accept-proposal", "content": {"units": 2}}, name="A", unit_price=1) \
        == {"performative": "inform", "content": {"done": {"units": 2}}}
    assert script.answer({"performative": "reject-proposal", "content": None}, name="A", unit_price=1) is None


def test_the_external_supplier_wins_the_demo_coos_call_through_its_key():
    script = _script()
    call_command("seed_demo", verbosity=0)
    org = Organization.objects.get(slug="demo-online-retailer")
    coo, cfo, hanse, atlas = (org.agents.get(slug=slug) for slug in ("coo", "cfo", "hanse", "atlas"))
    _, key = agent_key_create(agent=atlas, by=SYSTEM, name="atlas runtime")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Agent {key}")

    def call(method: str, path: str, body: Any) -> Any:
        response = getattr(client, method.lower())(f"/api/v1{path}", body, format="json")
        assert response.status_code < 300, (method, path, response.status_code, response.content[:300])
        return response.json()

    def handle() -> int:
        return script.handle_inbox(call, agent=str(atlas.pk), name="Atlas Trading", unit_price=5.5)

    run_with_mail()
    belief_set(agent=coo, key="stock.on_hand", value=150, by=SYSTEM)
    run_with_mail()
    [run] = ProtocolRun.objects.filter(initiator=coo, protocol="fipa-contract-net")
    assert handle() == 1  # the cfp
    run_with_mail()
    run.refresh_from_db()
    assert run.state == "awaiting_decision"  # every supplier answered: Hanse and Atlas proposed, Rhein refused
    [request] = ApprovalRequest.objects.filter(agent=cfo, status="pending")  # above the COO's and the CFO's limit
    assert "1100" in request.question and "Atlas Trading" in request.question  # cheaper than Hanse's 1200
    admin = create_user("owner")
    organization_grant(organization=org, user=admin, verbs=("view", "operate"), by=SYSTEM)
    approval_decide(request=request, by=admin, decision="approved", comment="cheapest")
    run_with_mail()
    assert handle() == 1  # the accept-proposal
    run_with_mail()
    run.refresh_from_db()
    assert run.state == "done" and run.result == [
        {"participant": str(atlas.pk), "performative": "inform", "content": {"done": {"units": 200}}}]
    assert beliefs_of(coo)["stock.last_supplier"] == "Atlas Trading"
    assert beliefs_of(hanse)["supplier.last_lost"] == {"reason": "not_accepted"}
    assert Message.objects.filter(sender_agent=atlas).count() == 2
    assert handle() == 0
