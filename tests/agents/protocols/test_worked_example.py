"""docs/protocols.md's worked example, exactly as printed there: the demo COO asks three suppliers for bids,
one answers too late and is rejected ``late``, a person approves the payment, the cheapest in time delivers.

The section's requests, plans, message table and trace are read from the page and run with a real worker; the
sweeper's task is sent to that worker once the reply-by passed, as beat would (the session's worker runs
without beat)."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from django.utils.dateparse import parse_datetime

from agents.protocols.tasks import sweep_protocols
from tests.support.actors import grant
from tests.support.api import client_for, create_user
from tests.support.demo import Demo, demo_seeded
from tests.support.polling import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]
DOC = Path(__file__).resolve().parents[3] / "docs" / "protocols.md"
TITLE = "## A worked example: the COO sources stock"
NAMES = {"COO": "coo", "Alpha": "alpha", "Beta": "beta", "Gamma": "gamma"}


def _section() -> str:
    return DOC.read_text().split(TITLE, 1)[1].split("\n## ", 1)[0]


def _blocks() -> list[str]:
    """The section's code blocks in order: the requests, the suppliers' plans, the COO's plans, the trace."""
    return re.findall(r"```[a-z]*\n(.*?)```", _section(), re.S)


def _run_requests(demo: Demo, text: str) -> None:
    """Each ``POST <path> <json>`` line, its ``<slug>`` placeholders replaced by the ids known so far."""
    for line in text.strip().splitlines():
        method, path, body = line.split(" ", 2)
        assert method == "POST", line
        fill = lambda s: re.sub(r"<([a-z-]+)>", lambda m: demo.ids[m.group(1)], s)  # noqa: E731
        demo.post(fill(path), json.loads(fill(body)))


def _table(demo: Demo) -> list[tuple[str, str, list[str], object]]:
    """The message table: (performative, sender id, recipient ids, content) per row."""
    rows = []
    for line in _section().splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 4:
            performative, sender, recipients, content = cells
            rows.append((performative, demo.ids[NAMES[sender]],
                         sorted(demo.ids[NAMES[name.strip()]] for name in recipients.split(",")), json.loads(content)))
    return rows


def _in_order(expected: list[str], words: list[str]) -> None:
    """Every expected sentence (``…`` any text) matches a sentence of ``words``, in this order."""
    position = 0
    for sentence in expected:
        pattern = re.compile(".*?".join(re.escape(part) for part in sentence.split("…")) + "$")
        found = next((i for i in range(position, len(words)) if pattern.match(words[i])), None)
        assert found is not None, (sentence, words[position:])
        position = found + 1


@pytest.fixture
def demo(celery_worker_process) -> Demo:
    owner = create_user("admin")  # seed_demo makes the user named admin the demo's owner (view ... operate)
    return demo_seeded(client_for(owner))


def test_the_worked_example_sources_stock_from_the_cheapest_supplier_in_time(demo):
    requests, suppliers, coo_plans, trace = _blocks()
    _run_requests(demo, requests)
    demo.plans(suppliers)
    demo.plans(coo_plans)
    goal = demo.post(f"/api/v1/agents/{demo.ids['coo']}/goals/", {"name": "source_stock"})["id"]

    # 1. The call: Alpha and Beta propose, Gamma's cfp waits in its inbox.
    [listed] = wait_until(lambda: demo.runs_of("coo"), timeout=30, message="the COO's run")
    assert (listed["protocol"], listed["performative"]) == ("fipa-contract-net", "cfp")
    assert parse_datetime(listed["response_by"]) - parse_datetime(listed["created_at"]) == datetime.timedelta(seconds=8)
    run_id = listed["id"]
    run = wait_until(lambda: (r := demo.run(run_id)) and demo.sessions(r) == {
        "alpha": "proposed", "beta": "proposed", "gamma": "awaiting_response"} and r, timeout=8,
        message="Alpha and Beta proposing before the reply-by")
    assert run["state"] == "awaiting_response" and run["allowed"] == ["not-understood", "propose", "refuse"]
    cfp = wait_until(lambda: [m for m in demo.inbox("gamma") if m["performative"] == "cfp"], timeout=10)
    assert cfp[0]["conversation_id"] == run_id

    # 2. The reply-by: the sweeper (beat's task, sent to the worker) closes the call; the COO waits at the gate.
    def closed() -> bool:
        sweep_protocols.apply_async(queue="reasoning", expires=5)
        return demo.run(run_id)["state"] != "awaiting_response"

    wait_until(closed, timeout=30, interval=0.5, message="the call closed at the reply-by")
    run = demo.run(run_id)
    assert run["state"] == "awaiting_decision" and demo.sessions(run)["gamma"] == "timeout"
    decision_by = parse_datetime(run["result_by"])
    assert decision_by - parse_datetime(run["updated_at"]) == datetime.timedelta(seconds=600)
    [request] = wait_until(lambda: demo.approvals("coo"), timeout=30, message="the approval request")
    assert (request["name"], json.loads(request["question"]), request["of"], request["plan"], request["step"]) == (
        "payment", {"pay": 1150, "to": "Beta Wholesale"}, "operators", "pay", "body[0]")

    # 3. Gamma's person proposes after the reply-by: sent, then rejected late by the COO; nothing else changes.
    late = demo.post(f"/api/v1/protocols/{run_id}/reply/", {
        "sender": demo.ids["gamma"], "performative": "propose", "content": {"price": 990, "supplier": "Gamma Trading"}})
    run = wait_until(lambda: (r := demo.run(run_id))["rejected"] and r, timeout=30, message="the late proposal refused")
    [entry] = run["rejected"]
    assert {k: entry[k] for k in ("message", "sender", "performative", "why")} == {
        "message": late["id"], "sender": demo.ids["gamma"], "performative": "propose", "why": "late"}
    answer = wait_until(lambda: [m for m in demo.inbox("gamma") if m["performative"] == "reject-proposal"], timeout=10)
    assert answer[0]["content"] == {"reason": "late"} and answer[0]["in_reply_to"] == late["id"]
    assert run["state"] == "awaiting_decision" and [a["id"] for a in demo.approvals("coo")] == [request["id"]]

    # 4. Approved by someone with operate (someone who may only view it: 403, nothing changes).
    viewer = create_user()
    grant(viewer, _org(demo), "view")
    approve = f"/api/v1/approvals/{request['id']}/approve/"
    assert client_for(viewer).post(approve, {}, format="json").status_code == 403
    assert demo.approvals("coo")[0]["id"] == request["id"]
    demo.post(approve, {"comment": "within budget"}, status=200)

    # 5. Accepted, informed, done.
    wait_until(lambda: demo.goal_status("coo", goal) == "achieved", timeout=30, message="source_stock achieved")
    run = demo.run(run_id)
    assert run["state"] == "done" and parse_datetime(run["result_by"]) > decision_by  # set anew at the accept
    assert run["result"] == [{"participant": demo.ids["beta"], "performative": "inform",
                              "content": {"done": {"units": 200}}}]
    assert demo.sessions(run) == {"alpha": "rejected", "beta": "done", "gamma": "timeout"}
    intentions = demo.get(f"/api/v1/agents/{demo.ids['coo']}/intentions/")["results"]
    assert [i["status"] for i in intentions if i["goal"] == goal] == ["achieved"]
    assert demo.beliefs("coo")["stock.ordered_from"] == "Beta Wholesale"
    assert demo.beliefs("beta")["sales.order"] == {"units": 200}
    assert demo.beliefs("alpha")["sales.lost"] == {"reason": "not_accepted"}

    # The message table, in send order (the first two proposals in either order).
    seen = [(m["performative"], m["sender_agent"], sorted(m["recipients"]), m["content"]) for m in run["messages"]]
    table = _table(demo)
    assert len(seen) == len(table) == 8
    assert seen[0] == table[0] and sorted(seen[1:3], key=str) == sorted(table[1:3], key=str) and seen[3:] == table[3:]

    # The trace, in words.
    _in_order([line for line in trace.strip().splitlines()], demo.trace_words("coo"))


def _org(demo: Demo):
    from agents.models import Organization

    return Organization.objects.get(pk=demo.org)
