"""The role templates' plan libraries: every one parses, passes the plan services' validation as the
template's plans, reads only beliefs it has defaults for, and together they use every mechanism."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agents.models import AgentRole, Plan
from agents.onboarding.libraries import LIBRARIES_PATH, plan_library, plan_library_slugs
from agents.onboarding.services import plan_library_install
from agents.organization.services.roles import role_template_ensure, role_templates
from agents.reasoning.plans.services import plan_document
from tests.support.actors import SYSTEM

ROLES = ("ceo", "cfo", "coo", "cmo", "cto", "hr", "legal", "strategy", "knowledge", "supplier")


def _steps(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every step, nested ones too."""
    out = []
    for step in body:
        out.append(step)
        if step["kind"] == "if":
            out += _steps(step["then"]) + _steps(step["else"])
    return out


def _library(slug: str) -> dict[str, dict[str, Any]]:
    return {document["label"]: document for document in plan_library(slug)}


def _goal(slug: str, kind: str) -> dict[str, Any]:
    return next(goal for goal in role_templates()[slug]["default_goals"] if goal["kind"] == kind
                and goal.get("condition"))


def test_every_role_template_has_a_library_and_every_library_a_template():
    assert set(plan_library_slugs()) == set(ROLES) == set(role_templates())
    for slug in ROLES:
        assert 1 <= len(plan_library(slug)) <= 12, slug  # small and readable


@pytest.mark.django_db
def test_every_library_validates_as_its_templates_plans_and_installs_once():
    for slug in ROLES:
        role = role_template_ensure(slug=slug, by=SYSTEM)
        plans = plan_library_install(role=role, by=SYSTEM)
        assert [plan.label for plan in plans] == [document["label"] for document in plan_library(slug)]
        orders = [plan.versions.get().source_order for plan in plans]
        assert orders == sorted(orders) and len(set(orders)) == len(orders)  # the file's order is the source order
    assert Plan.objects.filter(organization__isnull=True).count() == sum(len(plan_library(s)) for s in ROLES)
    for slug in ROLES:  # a second install writes nothing, whatever an operator did since
        assert plan_library_install(role=AgentRole.objects.get(organization=None, slug=slug), by=SYSTEM) == []
    stored = Plan.objects.get(role__slug="cfo", label="restore_runway").versions.get()
    assert plan_document(stored)["body"] == _library("cfo")["restore_runway"]["body"]


def test_every_belief_a_library_reads_has_a_default_or_is_written_by_the_library():
    for slug in ROLES:
        text = (LIBRARIES_PATH / f"{slug}.plans").read_text()
        read = set(re.findall(r"""belief\(["']([\w.:-]+)["']""", text))
        written = set(re.findall(r"-\+([\w.]+)\(", text))
        defaults = {belief["key"] for belief in role_templates()[slug]["default_beliefs"]}
        missing = {key for key in read - defaults - written if not key.startswith("organization.")}
        assert not missing, (slug, missing)
    for slug, goal in (("cfo", _goal("cfo", "maintain")), ("coo", _goal("coo", "maintain"))):
        keys = set(re.findall(r"""belief\('([\w.]+)'""", goal["condition"]))
        assert keys and keys <= {b["key"] for b in role_templates()[slug]["default_beliefs"]}, (slug, keys)


def test_the_cfo_keeps_its_runway_with_a_maintain_goal_its_plan_and_a_recovery():
    goal = _goal("cfo", "maintain")
    assert "finance.cash" in goal["condition"] and "finance.monthly_burn" in goal["condition"]
    plans = plan_library("cfo")
    [restore] = [p for p in plans if p["trigger"] == {"kind": "goal_added", "name": goal["name"]}]
    [recovery] = [p for p in plans if p["trigger"] == {"kind": "goal_failed", "name": goal["name"]}]
    asks = [(s["protocol"], s["to"]) for s in _steps(restore["body"]) if s["kind"] == "start_protocol"]
    assert asks == [("request", "cmo"), ("request", "coo")]
    assert [s["to"] for s in recovery["body"] if s["kind"] == "send"] == ["ceo"]
    for slug in ("cmo", "coo"):  # both answer the request: agree and cut, or refuse at the floor
        answers = [p for p in plan_library(slug) if p["trigger"].get("performative") == "request"]
        said = [s["performative"] for p in answers for s in p["body"] if s["kind"] == "send"]
        assert said == ["agree", "inform", "refuse"], slug


def test_the_coo_sources_stock_by_contract_net_and_asks_the_cfo_above_its_limit():
    coo = _library("coo")
    steps = [s for p in coo.values() for s in _steps(p["body"])]
    [cfp] = [s for s in steps if s["kind"] == "start_protocol" and s["protocol"] == "cfp"]
    assert cfp["to"] == "role:supplier"
    assert any(s["kind"] == "start_protocol" and s["protocol"] == "accept-proposal" for s in steps)
    assert not [s for s in steps if s["kind"] == "ask_approval"]  # the COO asks the CFO, never a person itself
    assert "operations.spend_approval_limit" in coo["buy_within_limit"]["context"]
    assert coo["buy_with_approval"]["trigger"] == coo["buy_within_limit"]["trigger"]
    [ask] = [s for s in _steps(coo["buy_with_approval"]["body"]) if s["kind"] == "start_protocol"]
    assert (ask["protocol"], ask["to"]) == ("request", "cfo") and set(ask["content"]) == {"approve_spend", "to", "units"}
    [gate] = [s for s in _steps(_library("cfo")["spend_asks_a_person"]["body"]) if s["kind"] == "ask_approval"]
    assert ask["result_timeout"] > gate["timeout"]  # the COO still waits when the person's gate expires
    branch = coo["buy_with_approval"]["body"][1]
    assert branch["kind"] == "if" and (branch["then"][0]["kind"], branch["then"][0]["goal"]) == ("achieve",
                                                                                                 "place_order")
    assert branch["else"][0]["belief"] == "stock.purchase_refused"  # a refusal is recorded
    assert coo["restock"]["trigger"]["name"] == _goal("coo", "maintain")["name"]
    supplier = _library("supplier")
    performatives = {p["trigger"].get("performative") for p in supplier.values()}
    assert {"cfp", "accept-proposal", "reject-proposal"} <= performatives


def test_the_cfo_approves_spend_within_its_limit_and_asks_a_person_above_it():
    cfo = _library("cfo")
    approve = cfo["approve_spend"]
    assert approve["trigger"]["performative"] == "request" and "approve_spend" in approve["context"]
    assert [s["performative"] for s in approve["body"] if s["kind"] == "send"] == ["agree"]
    assert "finance.spend_approval_limit" in cfo["spend_within_limit"]["context"]
    assert cfo["spend_within_limit"]["trigger"] == cfo["spend_asks_a_person"]["trigger"] == {
        "kind": "goal_added", "name": "decide_spend"}
    [gate] = [s for s in cfo["spend_asks_a_person"]["body"] if s["kind"] == "ask_approval"]
    assert gate["of"] == "operators" and gate["name"] == "spend"  # people with operate: the demo's admin
    answers = {label: [s["content"] for s in cfo[label]["body"] if s["kind"] == "send"]
               for label in ("spend_within_limit", "spend_asks_a_person", "spend_refused")}
    # a literal in the text form is an expression until the plan services store it as the literal
    assert [str(a[0]["approved"].get("expr")) for a in answers.values()] == ["True", "True", "False"]
    assert cfo["spend_refused"]["trigger"] == {"kind": "goal_failed", "name": "decide_spend"}
    assert "finance.spend_approval_limit" in {b["key"] for b in role_templates()["cfo"]["default_beliefs"]}


def test_the_weekly_and_monthly_loops_follow_the_simulated_calendar_with_real_time_as_the_timeout():
    for slug, label, key, seconds in (("cmo", "weekly_campaigns", "calendar.week", 7 * 24 * 3600),
                                      ("knowledge", "weekly_digest", "calendar.week", 7 * 24 * 3600),
                                      ("cfo", "close_books", "calendar.month", 30 * 24 * 3600)):
        [wait] = [s for s in _library(slug)[label]["body"] if s["kind"] == "wait"]
        assert wait["event"] == {"kind": "belief_added", "name": key}, (slug, label)
        assert (wait["timeout"], wait["on_timeout"]) == (seconds, "continue"), (slug, label)


def test_the_cmo_learns_which_campaign_works_with_thompson_shared_in_its_team():
    campaigns = [p for p in plan_library("cmo") if p["trigger"] == {"kind": "goal_added", "name": "launch_campaign"}]
    assert len(campaigns) >= 3 and all(not p["context"] for p in campaigns)  # all applicable: a real choice
    for plan in campaigns:  # the environment's result decides success
        assert [s["kind"] for s in plan["body"]][-2:] == ["wait", "constraint"]
    template = role_templates()["cmo"]
    assert template["selection_policies"] == [{"trigger_kind": "goal_added", "trigger_name": "launch_campaign",
                                               "policy": "thompson_shared", "shared_weight": 1}]
    assert template["team"]["name"] == role_templates()["strategy"]["team"]["name"] == "Marketing team"


def test_the_suppliers_team_carries_a_supervisor_policy_and_a_flaky_supplier_fails():
    team = role_templates()["supplier"]["team"]
    assert team["name"] == "Suppliers" and team["supervision"]["restart"] == "permanent"
    assert team["supervision"]["escalate_to"] == "supervisor" and team["supervision"]["intensity"] >= 1
    [flaky] = [p for p in plan_library("supplier") if "supplier.flaky" in p["context"]]
    assert [s["kind"] for s in flaky["body"]] == ["send", "fail"]


def test_knowledge_publishes_a_weekly_digest_the_ceo_subscribes_to():
    ceo = [s for p in plan_library("ceo") for s in _steps(p["body"])]
    [subscribe] = [s for s in ceo if s["kind"] == "start_protocol" and s["protocol"] == "subscribe"]
    assert subscribe["to"] == "knowledge" and subscribe["content"] == {"belief": "knowledge.weekly_digest"}
    knowledge = _library("knowledge")
    assert any(s["kind"] == "replace_belief" and s["belief"] == "knowledge.weekly_digest"
               for s in knowledge["weekly_digest"]["body"])
    assert [s["kind"] for s in knowledge["weekly_digest"]["body"]][1] == "wait"
    assert knowledge["weekly_digest"]["body"][1]["timeout"] == 7 * 24 * 3600
    agree = knowledge["digest_subscription"]
    assert agree["trigger"]["performative"] == "subscribe" and agree["body"][0]["performative"] == "agree"
    assert any(p["trigger"].get("protocol") == "fipa-subscribe" for p in plan_library("ceo"))
