"""Issue 15's black-box check, through the HTTP API only, with a real worker running beat: a group with a
``one_for_all`` policy, one member whose plan fails through its action; restarts of every member with a
growing back-off, then escalation to the leader as an ACL ``failure`` its plan handles, every step in the
supervision events and the audit log."""

from __future__ import annotations

import pytest
from django.utils.dateparse import parse_datetime

from tests.support.api import client_for, create_user
from tests.support.faults import start_worker_with_beat
from tests.support.polling import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

ENV = {"SUPERVISION_CHECK_SECONDS": "0.3", "REASONING_SWEEPER_INTERVAL_SECONDS": "1",
       "ACTIONS_SWEEPER_INTERVAL_SECONDS": "1", "ACTIONS_MAX_ATTEMPTS": "1"}
PLANS = """
@work +!work <- .action(tests.flaky, {"fail": 1000, "permanent": true}, Result); +worked(true).
@rest +!rest <- +rested(true).
@told ^message:failure(What, Sender) <- +supervision.escalated(What["name"]).
"""


class Api:
    def __init__(self, client) -> None:
        self.client = client

    def post(self, path: str, body: dict, status: int = 201) -> dict:
        response = self.client.post(f"/api/v1/{path}", body, format="json")
        assert response.status_code == status, (path, body, response.status_code, response.content[:500])
        return response.json()

    def get(self, path: str, **params) -> dict:
        response = self.client.get(f"/api/v1/{path}", params)
        assert response.status_code == 200, (path, response.status_code, response.content[:500])
        return response.json()


def _company(api: Api) -> tuple[str, dict[str, str]]:
    org = api.post("organizations/", {"name": "Fragile Ltd", "industry": "retail", "description": "Falls over."})["id"]
    ids = {}
    for slug in ("lead", "one", "two", "three"):
        role = api.post("roles/", {"organization": org, "name": f"{slug} role", "slug": f"{slug}-role",
                                   "default_goals": [{"name": "work"}] if slug == "two" else
                                   ([{"name": "rest"}] if slug != "lead" else [])})["id"]
        ids[slug] = api.post("agents/", {"organization": org, "role": role, "name": slug.title(),
                                         "slug": slug})["id"]
    team = api.post("groups/", {"organization": org, "name": "Team"})["id"]
    for slug in ("lead", "one", "two", "three"):
        api.post(f"groups/{team}/members/", {"agent": ids[slug], "role": "leader" if slug == "lead" else "member"})
    for part in ("@" + p for p in PLANS.strip().lstrip("@").split("\n@")):
        api.post("plans/", {"organization": org, "text": part})
    api.post("supervision/policies/", {
        "organization": org, "group": team, "strategy": "one_for_all", "intensity": 2, "period_seconds": 600,
        "backoff_min_seconds": 0.5, "backoff_max_seconds": 5, "backoff_jitter": 0, "failure_threshold": 1,
        "heartbeat_timeout_seconds": 30, "escalate_to": "leader"})
    return org, ids


def test_one_member_keeps_failing_all_are_restarted_with_backoff_then_the_leader_is_told(tmp_path, private_redis):
    api = Api(client_for(create_user(is_staff=True, is_superuser=True)))
    org, ids = _company(api)
    worker = start_worker_with_beat(tmp_path, "supervision", queues="reasoning,actions,messages,default",
                                    concurrency=2, REDIS_URL=private_redis.url, **ENV)
    try:
        api.post(f"agents/{ids['two']}/goals/", {"name": "work"})

        def escalated():
            rows = api.get("supervision/events/", organization=org, kind="escalated")["results"]
            return rows[0] if rows else None

        event = wait_until(escalated, timeout=90, interval=0.3, message="the escalation")
        assert event["agent"] == ids["two"] and event["detail"]["to"] == "agent"
        assert event["detail"]["agent"] == ids["lead"]
        beliefs = wait_until(lambda: {b["key"]: b["value"] for b in api.get(
            f"agents/{ids['lead']}/beliefs/", page_size=200)["results"]}.get("supervision.escalated"),
            timeout=30, message="the leader's plan handling the failure")
        assert beliefs == "Two"
    finally:
        worker.stop()

    events = list(reversed(api.get("supervision/events/", organization=org, page_size=200)["results"]))
    by_agent: dict[str, list[str]] = {}
    for row in events:
        by_agent.setdefault(row["agent"], []).append(row["kind"])
    # The failing member: two failures each restarting everyone, then the third escalates.
    assert by_agent[ids["two"]] == ["intentions_failing", "restart_scheduled", "restarted"] * 2 + [
        "intentions_failing", "escalated"]
    for slug in ("lead", "one", "three"):
        assert by_agent[ids[slug]] == ["restart_scheduled", "restarted"] * 2, slug
    scheduled = [row for row in events if row["kind"] == "restart_scheduled" and row["agent"] == ids["two"]]
    assert [row["detail"]["backoff_seconds"] for row in scheduled] == [0.5, 1.0]
    assert all(row["detail"]["cause"] == ids["two"] for row in events if row["kind"] == "restart_scheduled")
    restarted = [row for row in events if row["kind"] == "restarted" and row["agent"] == ids["two"]]
    for planned, done in zip(scheduled, restarted, strict=True):
        assert parse_datetime(done["at"]) >= parse_datetime(planned["detail"]["restart_at"])

    health = api.get(f"agents/{ids['two']}/health/")
    assert health["status"] == "failed" and health["escalated_at"] and health["restart_at"] is None
    notes = [row.get("note", "") for row in api.get("audit/events/", target_id=ids["two"], page_size=200)["results"]]
    assert sum("supervision: restart at" in note for note in notes) == 2
    assert any("supervision: escalated" in note for note in notes)
    assert sum(note == "supervision: back-off over" for note in notes) == 2
