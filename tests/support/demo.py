"""The demo organization seen only through the HTTP API, for the black-box tests with a real worker: seeded
as ``make run`` seeds it, its agents by slug, and the reads those tests poll (a run, its sessions, the
approval requests, a goal's status, the trace in words)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management import call_command
from rest_framework.test import APIClient

DEMO_SLUG = "demo-online-retailer"


@dataclass
class Demo:
    """The demo organization as one client sees it: ``ids`` maps the organization (``demo``) and every agent's
    and role's slug to its id, and grows with what ``post`` creates."""

    client: APIClient
    org: str
    ids: dict[str, str]

    def post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        """POST ``body``; assert the status; remember the id of anything created with a slug."""
        response = self.client.post(path, body, format="json")
        assert response.status_code == status, (path, body, response.status_code, response.content[:500])
        answer = response.json()
        if isinstance(answer, dict) and answer.get("slug") and answer.get("id"):
            self.ids[answer["slug"]] = answer["id"]
        return answer

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.client.get(path, params)
        assert response.status_code == 200, (path, response.status_code, response.content[:500])
        return response.json()

    def plans(self, text: str) -> None:
        """Every plan of ``text`` (each starts with ``@label``), one request each: the API takes one plan."""
        for plan in ("@" + part for part in text.strip().lstrip("@").split("\n@")):
            self.post("/api/v1/plans/", {"organization": self.org, "text": plan})

    def runs_of(self, slug: str) -> list[dict[str, Any]]:
        return self.get("/api/v1/protocols/", initiator=self.ids[slug])["results"]

    def run(self, run_id: str) -> dict[str, Any]:
        return self.get(f"/api/v1/protocols/{run_id}/")

    def sessions(self, run: dict[str, Any]) -> dict[str, str]:
        """The run's session states by participant slug."""
        slugs = {agent_id: slug for slug, agent_id in self.ids.items()}
        return {slugs.get(s["participant"], s["participant"]): s["state"] for s in run["sessions"]}

    def approvals(self, slug: str, status: str = "pending") -> list[dict[str, Any]]:
        return self.get("/api/v1/approvals/", agent=self.ids[slug], status=status)["results"]

    def goal_status(self, slug: str, goal_id: str) -> str:
        return self.get(f"/api/v1/agents/{self.ids[slug]}/goals/{goal_id}/")["status"]

    def beliefs(self, slug: str) -> dict[str, Any]:
        rows = self.get(f"/api/v1/agents/{self.ids[slug]}/beliefs/", page_size=200)["results"]
        return {row["key"]: row["value"] for row in rows}

    def inbox(self, slug: str) -> list[dict[str, Any]]:
        return [d["message"] for d in self.get(f"/api/v1/agents/{self.ids[slug]}/inbox/", page_size=200)["results"]]

    def trace_words(self, slug: str) -> list[str]:
        """Every sentence of the agent's trace, oldest cycle first."""
        rows = self.get(f"/api/v1/agents/{self.ids[slug]}/trace/", page_size=200)["results"]
        return [sentence for row in reversed(rows) for sentence in row["words"]]


def demo_seeded(client: APIClient) -> Demo:
    """``seed_demo`` (as ``make run`` runs it), then the organization and its agents as ``client`` sees them."""
    call_command("seed_demo", verbosity=0)
    org = next(o for o in client.get("/api/v1/organizations/").json()["results"] if o["slug"] == DEMO_SLUG)
    agents = client.get("/api/v1/agents/", {"organization": org["id"], "page_size": 100}).json()["results"]
    return Demo(client=client, org=org["id"], ids={"demo": org["id"], **{a["slug"]: a["id"] for a in agents}})
