"""Issue 13's black-box check, through the API only, with a real worker: a plan written as text for the demo
CFO, a goal adopted, and everything watched through the API: the intention runs, the message goes out once,
a belief changes, the trace says why each plan was chosen; then a plan that fails and its -!g recovery. (The
escape corpus against the plan API: tests/agents/reasoning/test_plans_api.py.)"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.support.api import client_for, create_user
from tests.support.polling import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

PLANS = """\
@raise_prices +!keep_runway(Months) : belief("finance.cash", 0) > Months * 100000 <- +finance.prices_raised.
@cut_costs +!keep_runway(Months) : belief("finance.cash", 0) < Months * belief("finance.monthly_costs", 0)
    <- .send(ceo, inform, {"runway_months": belief("finance.cash", 0) / belief("finance.monthly_costs", 1)});
       +finance.costs_cut(Months).
"""
FAILING = """\
@pay_supplier +!pay(Amount) <- belief("finance.cash", 0) > Amount; +finance.paid(Amount).
@pay_later -!pay(Amount) <- .send(ceo, failure, {"could_not_pay": Amount}); +finance.payment_postponed(Amount).
"""


@pytest.fixture
def demo(celery_worker_process):
    call_command("seed_demo", verbosity=0)
    admin = create_user(is_staff=True, is_superuser=True)
    client = client_for(admin)
    org = next(o for o in client.get("/api/v1/organizations/").json()["results"]
               if o["slug"] == "demo-online-retailer")
    agents = {a["slug"]: a for a in client.get("/api/v1/agents/", {"organization": org["id"], "page_size": 100})
              .json()["results"]}
    return client, org, agents


def _cfo_and_ceo(agents: dict) -> tuple[str, str]:
    by_slug = {a["slug"]: a["id"] for a in agents.values()}
    return by_slug["cfo"], by_slug["ceo"]


def _goal_status(client, agent: str, goal: str) -> str:
    return client.get(f"/api/v1/agents/{agent}/goals/{goal}/").json()["status"]


def test_the_demo_cfo_acts_and_explains_itself_through_the_api(demo):
    client, org, agents = demo
    cfo, _ceo = _cfo_and_ceo(agents)
    # The burn first: the CFO's own runway goal (its library, docs/libraries.md) keeps holding and stays quiet.
    for key, value in (("finance.monthly_burn", 10000), ("finance.cash", 40000), ("finance.monthly_costs", 20000)):
        response = client.post(f"/api/v1/agents/{cfo}/beliefs/", {"key": key, "value": value}, format="json")
        assert response.status_code in (200, 201), response.content
    for text in PLANS.split("\n@")[0:1] + ["@" + part for part in PLANS.split("\n@")[1:]]:
        response = client.post("/api/v1/plans/", {"organization": org["id"], "text": text}, format="json")
        assert response.status_code == 201, response.content
    response = client.post(f"/api/v1/agents/{cfo}/goals/", {"name": "keep_runway", "args": [3]}, format="json")
    assert response.status_code == 201, response.content
    goal = response.json()["id"]

    wait_until(lambda: _goal_status(client, cfo, goal) == "achieved", timeout=30, message="the goal achieved")
    intentions = client.get(f"/api/v1/agents/{cfo}/intentions/").json()["results"]
    mine = [i for i in intentions if i["goal"] == goal]
    assert len(mine) == 1 and mine[0]["status"] == "achieved"
    sent = [m for m in client.get("/api/v1/messages/", {"page_size": 200}).json()["results"]
            if m["sender_agent"] == cfo]
    assert [(m["performative"], m["content"]) for m in sent] == [("inform", {"runway_months": 2})], sent
    beliefs = {b["key"]: b["value"] for b in client.get(f"/api/v1/agents/{cfo}/beliefs/").json()["results"]}
    assert beliefs["finance.costs_cut"] == 3 and "finance.prices_raised" not in beliefs
    trace = client.get(f"/api/v1/agents/{cfo}/trace/", {"page_size": 100}).json()["results"]
    chosen = [row for row in trace if (row["event"] or {}).get("name") == "keep_runway"]
    assert len(chosen) == 1
    words = " ".join(chosen[0]["words"])
    assert "chose plan `cut_costs`" in words and "skipped `raise_prices`" in words, words


def test_a_failing_plan_is_recovered_and_seen_through_the_api(demo):
    client, org, agents = demo
    cfo, _ceo = _cfo_and_ceo(agents)
    for key, value in (("finance.monthly_burn", 0), ("finance.cash", 10)):  # the runway goal still holds
        response = client.post(f"/api/v1/agents/{cfo}/beliefs/", {"key": key, "value": value}, format="json")
        assert response.status_code == 200, response.content
    for text in ("@" + part if i else part for i, part in enumerate(FAILING.split("\n@"))):
        response = client.post("/api/v1/plans/", {"organization": org["id"], "text": text}, format="json")
        assert response.status_code == 201, response.content
    response = client.post(f"/api/v1/agents/{cfo}/goals/", {"name": "pay", "args": [500]}, format="json")
    goal = response.json()["id"]
    wait_until(lambda: _goal_status(client, cfo, goal) == "failed", timeout=30, message="the goal failed")
    wait_until(lambda: any(i["status"] == "failed" and i["goal"] == goal for i in
                           client.get(f"/api/v1/agents/{cfo}/intentions/").json()["results"]), timeout=10)
    [intention] = [i for i in client.get(f"/api/v1/agents/{cfo}/intentions/").json()["results"] if i["goal"] == goal]
    detail = client.get(f"/api/v1/agents/{cfo}/intentions/{intention['id']}/").json()
    assert detail["error"]["error"] == "constraint" and detail["error"]["recovered"] is True, detail
    beliefs = {b["key"]: b["value"] for b in client.get(f"/api/v1/agents/{cfo}/beliefs/").json()["results"]}
    assert beliefs.get("finance.payment_postponed") == 500 and "finance.paid" not in beliefs
    failures = [m for m in client.get("/api/v1/messages/", {"page_size": 200}).json()["results"]
                if m["sender_agent"] == cfo and m["performative"] == "failure"]
    assert [m["content"] for m in failures] == [{"could_not_pay": 500}]
