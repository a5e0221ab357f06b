"""Issue 16's black-box check, through the HTTP API only, with a real worker whose beat runs the roll-up: the
demo organization gets a sales team of five in one role, two plans for ``+!pitch`` (the first in source order
always fails), and is switched to ``thompson_shared``. Goals are adopted through the API one round at a time;
``plans/{id}/stats/`` shows the statistics filling (per agent, per group) and the choices following them:
the later rounds choose the plan that works, and the trace's scores say why.

The worker has its own Redis and this process posts no wake-up (``quiet``): the worker's sweeper finds the
goals, and its beat's roll-up (every 0.3 s) counts the outcomes."""

from __future__ import annotations

import pytest

from tests.support.api import client_for, create_user
from tests.support.demo import Demo, demo_seeded
from tests.support.faults import FAST, start_worker_with_beat
from tests.support.supervision import wait_on

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

ENV = {**FAST, "LEARNING_ROLLUP_SECONDS": "0.3", "REASONING_SWEEPER_INTERVAL_SECONDS": "0.2"}
SELLERS = ("rep1", "rep2", "rep3", "rep4", "rep5")
PLANS = """
@cold_call +!pitch <- .fail(hung_up, "nobody buys on a cold call").
@referral +!pitch <- +pitched(true).
"""
ROUNDS = 8


def _sales_team(demo: Demo) -> dict[str, str]:
    role = demo.post("/api/v1/roles/", {"organization": demo.org, "name": "Sales rep", "slug": "sales-rep"})["id"]
    for slug in SELLERS:
        demo.post("/api/v1/agents/", {"organization": demo.org, "role": role, "name": slug.upper(), "slug": slug})
    team = demo.post("/api/v1/groups/", {"organization": demo.org, "name": "Sales"})["id"]
    for slug in SELLERS:
        demo.post(f"/api/v1/groups/{team}/members/", {"agent": demo.ids[slug], "role": "member"})
    demo.plans(PLANS)
    plans = {p["label"]: p["id"] for p in demo.get("/api/v1/plans/", organization=demo.org, page_size=200)["results"]}
    return {"team": team, "cold_call": plans["cold_call"], "referral": plans["referral"]}


def _count(demo: Demo, plan: str, scope: str) -> int:
    return sum(row["count"] for row in demo.get(f"/api/v1/plans/{plan}/stats/", scope=scope)["scopes"])


def test_a_demo_team_switched_to_thompson_shared_learns_which_plan_works(tmp_path, private_redis, quiet):
    demo = demo_seeded(client_for(create_user(is_staff=True, is_superuser=True)))
    ids = _sales_team(demo)
    before = demo.get(f"/api/v1/plans/{ids['cold_call']}/stats/")
    assert before["policy"]["policy"] == "first_applicable" and before["policy"]["source"] == "default"
    assert before["scopes"] == []
    demo.post("/api/v1/selection-policies/", {"organization": demo.org, "policy": "thompson_shared",
                                              "shared_weight": 1.0})
    assert demo.get(f"/api/v1/plans/{ids['referral']}/stats/")["policy"]["policy"] == "thompson_shared"
    worker = start_worker_with_beat(tmp_path, "learner", queues="reasoning,learning",
                                    **{**ENV, "REDIS_URL": private_redis.url})
    try:
        for round_ in range(1, ROUNDS + 1):
            for slug in SELLERS:
                demo.post(f"/api/v1/agents/{demo.ids[slug]}/goals/", {"name": "pitch"})
            wait_on(worker, lambda n=round_: _count(demo, ids["cold_call"], "agent")
                    + _count(demo, ids["referral"], "agent") >= n * len(SELLERS),
                    timeout=60, message=f"round {round_}'s outcomes counted")
    finally:
        worker.stop()
    cold = demo.get(f"/api/v1/plans/{ids['cold_call']}/stats/", scope="group")
    good = demo.get(f"/api/v1/plans/{ids['referral']}/stats/", scope="group")
    [cold_team] = cold["scopes"]
    [good_team] = good["scopes"]
    assert cold_team["scope_id"] == good_team["scope_id"] == ids["team"]
    assert cold_team["count"] + good_team["count"] == ROUNDS * len(SELLERS)
    assert (cold_team["rate"], good_team["rate"]) == (0.0, 1.0)
    # The choices follow the statistics: the team found the plan that works and keeps to it.
    assert good_team["count"] >= 0.7 * ROUNDS * len(SELLERS)
    [latest, *_] = good["recent_choices"]
    assert latest["policy"] == "thompson_shared" and "sampled" in latest["why"]
    scores = {s["label"]: s for s in latest["scores"]}
    assert scores["referral"]["sample"] > scores["cold_call"]["sample"]
    assert scores["cold_call"]["own"][2] + scores["cold_call"]["shared"][2] > 0
    series = demo.get(f"/api/v1/plans/{ids['referral']}/stats/")["series"]
    assert sum(bucket["count"] for bucket in series) == good_team["count"]
