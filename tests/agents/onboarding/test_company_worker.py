"""With a real Celery worker, a business onboarded through the API acts: its CFO, told that cash fell below three
months of burn, runs its runway plan and asks the CMO and the COO (FIPA Requests) to cut spend, and they do.
Everything through the HTTP API, polled with a deadline."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import client_for, create_user
from tests.support.polling import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

BUSINESS = {"name": "Harbour Coffee", "industry": "food", "description": "Roasts and sells coffee beans online.",
            "size": "small", "roles": ["ceo", "cfo", "coo", "cmo"]}
RUNWAY = "Keep at least three months of cash runway"


def _get(client: Any, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params)
    assert response.status_code == 200, (path, response.content[:300])
    return response.json()


def test_the_onboarded_cfo_asks_the_cmo_and_coo_to_cut_spend_when_cash_runs_short(celery_worker_process):
    client = client_for(create_user(is_staff=True, is_superuser=True))  # roles are flushed by transactional tests
    response = client.post("/api/v1/organizations/onboard/", BUSINESS, format="json")
    assert response.status_code == 201, response.content
    org = response.json()["id"]
    agents = {a["slug"]: a["id"] for a in _get(client, "/api/v1/agents/", organization=org, page_size=200)["results"]}
    cfo = agents["cfo"]
    [runway] = [g for g in _get(client, f"/api/v1/agents/{cfo}/goals/", page_size=200)["results"] if g["name"] == RUNWAY]

    def status() -> str:
        return _get(client, f"/api/v1/agents/{cfo}/goals/{runway['id']}/")["status"]

    wait_until(lambda: status() == "achieved", timeout=60, message="the runway goal holding at first")
    response = client.post(f"/api/v1/agents/{cfo}/beliefs/", {"key": "finance.cash", "value": 50000}, format="json")
    assert response.status_code == 200, response.content

    def requests() -> list[tuple[str, Any]]:
        sent = [m for m in _get(client, "/api/v1/messages/", page_size=200)["results"]
                if m["sender_agent"] == cfo and m["performative"] == "request"]
        if len(sent) < 2:
            return []
        details = [_get(client, f"/api/v1/messages/{m['id']}/") for m in sent]
        return sorted((d["deliveries"][0]["recipient"], d["content"]) for d in details)

    asked = wait_until(requests, timeout=60, message="the CFO's two requests")
    cut = {"cut_spend_pct": 20, "why": "runway"}
    assert asked == sorted([(agents["cmo"], cut), (agents["coo"], cut)])

    def spend(slug: str, key: str) -> Any:
        return _get(client, f"/api/v1/agents/{agents[slug]}/beliefs/{key}/")["value"]

    wait_until(lambda: spend("cmo", "marketing.monthly_spend") == 6400 and
               spend("coo", "operations.monthly_spend") == 9600, timeout=60, message="both cuts made")
    wait_until(lambda: status() == "achieved", timeout=60, message="the runway plan ending")
    answers = spend("cfo", "finance.spend_cut_answers")
    assert answers == [{"monthly_spend": 6400}, {"monthly_spend": 9600}]
