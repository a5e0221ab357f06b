"""Plan documents through ``plan_create``: every step kind's schema, and every bad plan a 400 naming its path."""

from __future__ import annotations

import copy

import pytest

from agents.models import Plan, PlanVersion
from agents.reasoning.plans.services import plan_create, plan_document
from agents.reasoning.plans.step_schemas import STEP_SCHEMAS
from agents.reasoning.plans.text import plan_to_text, text_to_plans
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, AgentRoleFactory, BeliefFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cfo(org):
    agent = AgentFactory(organization=org, slug="cfo")
    BeliefFactory(agent=agent, key="cash", value=10)
    BeliefFactory(agent=agent, key="monthly_costs", value=5)
    return agent


def doc(*steps, trigger=None, args=("Months",), context="cash < 3 * monthly_costs"):
    return {"trigger": trigger or {"kind": "goal_added", "name": "keep_runway"}, "args": list(args),
            "context": context, "body": list(steps)}


def stored(org, document):
    plan = plan_create(document=document, organization=org, by=SYSTEM)
    return plan_document(plan.versions.get(is_current=True))


#: One example of every step kind, as posted (defaults left out) and as stored (defaults filled in).
EXAMPLES = {
    "achieve": ({"kind": "achieve", "goal": "cut_costs"}, {"kind": "achieve", "goal": "cut_costs", "args": []}),
    "achieve_new": ({"kind": "achieve_new", "goal": "audit", "args": [{"expr": "Months"}]},
                    {"kind": "achieve_new", "goal": "audit", "args": [{"expr": "Months"}]}),
    "test": ({"kind": "test", "belief": "cash", "bind": "C"}, {"kind": "test", "belief": "cash", "bind": "C"}),
    "add_belief": ({"kind": "add_belief", "belief": "cost_cut"},
                   {"kind": "add_belief", "belief": "cost_cut", "value": True}),
    "remove_belief": ({"kind": "remove_belief", "belief": "cash"}, {"kind": "remove_belief", "belief": "cash"}),
    "replace_belief": ({"kind": "replace_belief", "belief": "cash", "value": {"expr": "cash - 1"}},
                       {"kind": "replace_belief", "belief": "cash", "value": {"expr": "cash - 1"}}),
    "constraint": ({"kind": "constraint", "condition": "cash   >\n 0"}, {"kind": "constraint", "condition": "cash > 0"}),
    "send": ({"kind": "send", "to": "cfo", "performative": "inform", "content": {"runway": {"expr": "Months"}}},
             {"kind": "send", "to": "cfo", "performative": "inform", "content": {"runway": {"expr": "Months"}},
              "ontology": "", "protocol": ""}),
    "tell_how": ({"kind": "tell_how", "to": "cfo", "plan": "keep_runway"},
                 {"kind": "tell_how", "to": "cfo", "plan": "keep_runway"}),
    "action": ({"kind": "action", "name": "crm.create_lead", "args": {"name": "x"}, "bind": "Lead"},
               {"kind": "action", "name": "crm.create_lead", "args": {"name": "x"}, "bind": "Lead"}),
    "start_protocol": ({"kind": "start_protocol", "protocol": "request", "to": "cfo", "content": {"cut": 1},
                        "bind": "Result"},
                       {"kind": "start_protocol", "protocol": "request", "to": "cfo", "content": {"cut": 1},
                        "response_timeout": 30, "result_timeout": 300, "bind": "Result"}),
    "cancel_protocol": ({"kind": "cancel_protocol", "reason": "too dear"},
                        {"kind": "cancel_protocol", "run": None, "reason": "too dear"}),
    "wait": ({"kind": "wait", "event": {"kind": "belief_added", "name": "cash"}, "args": ["V"], "timeout": 60},
             {"kind": "wait", "event": {"kind": "belief_added", "name": "cash"}, "args": ["V"], "timeout": 60,
              "on_timeout": "fail"}),
    "ask_approval": ({"kind": "ask_approval", "name": "runway", "question": {"expr": "Months"}},
                     {"kind": "ask_approval", "name": "runway", "question": {"expr": "Months"},
                      "of": "operators", "timeout": 86400, "bind": None}),
    "if": ({"kind": "if", "condition": "Months > 2", "then": [{"kind": "succeed"}]},
           {"kind": "if", "condition": "Months > 2", "then": [{"kind": "succeed"}], "else": []}),
    "fail": ({"kind": "fail", "error": "over_budget"}, {"kind": "fail", "error": "over_budget", "message": None}),
    "succeed": ({"kind": "succeed"}, {"kind": "succeed"}),
    "drop": ({"kind": "drop"}, {"kind": "drop"}),
}


def test_the_examples_cover_every_step_kind():
    assert set(EXAMPLES) == set(STEP_SCHEMAS)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_step_kind_is_stored_complete_and_has_a_text_form(org, cfo, kind):
    posted, expected = EXAMPLES[kind]
    # tell_how names a plan of the scope: this one, by its label.
    document = stored(org, {**doc(posted), "label": "keep_runway"} if kind == "tell_how" else doc(posted))
    assert document["body"] == [expected]
    assert text_to_plans(plan_to_text(document)) == [document]


def test_a_literal_written_as_an_expression_is_stored_as_the_literal(org, cfo):
    document = stored(org, doc({"kind": "add_belief", "belief": "a", "value": {"expr": "3"}},
                               {"kind": "add_belief", "belief": "b", "value": {"x": {"expr": '[1, "y", Months]'}}},
                               {"kind": "constraint", "condition": "-cash < 1"}))
    assert [step.get("value", step.get("condition")) for step in document["body"]] == \
        [3, {"x": [1, "y", {"expr": "Months"}]}, "(-cash < 1)"]


def test_names_the_plan_binds_flow_through_the_body(org, cfo):
    stored(org, doc({"kind": "test", "belief": "cash", "bind": "C"},
                    {"kind": "if", "condition": "C > 1", "then": [{"kind": "action", "name": "log", "bind": "R"}],
                     "else": [{"kind": "action", "name": "log", "bind": "R"}]},
                    {"kind": "constraint", "condition": "R and C and Months"}))


def test_beliefs_of_the_scope_the_plan_itself_and_role_defaults_are_known(org, cfo):
    role = AgentRoleFactory(organization=org, default_beliefs=[{"key": "target", "value": 1, "confidence": 1.0}])
    AgentFactory(organization=org, role=role)
    stored(org, doc({"kind": "add_belief", "belief": "cut", "value": True},
                    {"kind": "constraint", "condition": "cut and target > 0 and belief('nowhere', 0) == 0"}))


def test_a_role_template_plan_names_roles_and_knows_the_template_defaults(administrator):
    template = AgentRoleFactory(organization=None, slug="cfo-role",
                                default_beliefs=[{"key": "cash", "value": 0, "confidence": 1.0}])
    AgentRoleFactory(organization=None, slug="ceo")
    plan = plan_create(document=doc({"kind": "send", "to": "ceo", "performative": "inform"}, context="cash < 1"),
                       role=template, by=administrator)
    assert plan.role == template and plan.organization is None
    with pytest.raises(InvalidInput) as caught:
        plan_create(document=doc({"kind": "send", "to": "cfo", "performative": "inform"}, context="cash < 1"),
                    role=template, by=administrator)
    assert "role template" in caught.value.fields["body[0].to"][0]


def bad(path, *steps, **kwargs):
    return pytest.param(doc(*steps, **kwargs), path, id=path)


BAD = [
    bad("body[0].kind", {"kind": "teleport"}),
    bad("body[1].then[0].kind", {"kind": "succeed"},
        {"kind": "if", "condition": "Months > 1", "then": [{"kind": "nope"}]}),
    bad("body[0].goal", {"kind": "achieve"}),
    bad("body[0].value", {"kind": "replace_belief", "belief": "cash"}),
    bad("body[0].to", {"kind": "send", "performative": "inform"}),
    bad("body[0].performative", {"kind": "send", "to": "cfo", "performative": "shout"}),
    bad("body[0].extra", {"kind": "drop", "extra": 1}),
    bad("body[0].name", {"kind": "ask_approval"}),
    bad("body[0].question", {"kind": "ask_approval", "name": "payment"}),
    bad("body[0].timeout", {"kind": "ask_approval", "name": "payment", "question": "?", "timeout": 0}),
    bad("body[0].timeout", {"kind": "ask_approval", "name": "payment", "question": "?", "timeout": 10**9}),
    bad("body[0].of", {"kind": "ask_approval", "name": "payment", "question": "?", "of": "no-such-role"}),
    bad("body[0].bind", {"kind": "ask_approval", "name": "payment", "question": "?", "bind": "lower"}),
    bad("body[0].protocol", {"kind": "start_protocol", "protocol": "contract-net", "to": "cfo"}),
    bad("body[0].to", {"kind": "start_protocol", "protocol": "request", "to": ["cfo", "ceo"]}),
    bad("body[0].belief", {"kind": "add_belief", "belief": "has space"}),
    bad("body[0].condition", {"kind": "constraint", "condition": "().__class__"}),
    bad("body[0].condition", {"kind": "constraint", "condition": "[c for c in cash]"}),
    bad("body[0].args[0]", {"kind": "achieve", "goal": "g", "args": [{"expr": "__import__('os')"}]}),
    bad("body[0].content.x", {"kind": "send", "to": "cfo", "performative": "inform",
                              "content": {"x": {"expr": "lambda: 1"}}}),
    bad("body[0].content.x", {"kind": "send", "to": "cfo", "performative": "inform", "content": {"x": {"expr": 3}}}),
    bad("context", context="cash.real > 1"),
    bad("context", context="mystery > 1"),
    bad("context", context="Unbound > 1"),
    bad("context", context="cash <-1"),
    bad("body[0].condition", {"kind": "constraint", "condition": "C > 1"}),  # C is bound by no one
    bad("body[1].condition", {"kind": "if", "condition": "Months", "then": [{"kind": "test", "belief": "cash",
                                                                             "bind": "C"}]},
        {"kind": "constraint", "condition": "C > 1"}),  # bound in one branch only
    bad("body[0].bind", {"kind": "test", "belief": "cash", "bind": "Months"}),  # already bound
    bad("body[0].to", {"kind": "send", "to": "nobody", "performative": "inform"}),
    bad("body[0].to", {"kind": "send", "to": {"expr": "cfo"}, "performative": "inform"}),
    bad("body[0]", {"kind": "wait"}),
    bad("body[0].timeout", {"kind": "wait", "timeout": -1}),
    bad("body[0].args", {"kind": "wait", "event": {"kind": "belief_added", "name": "cash"}, "args": ["A", "B"]}),
    bad("body[0].event.kind", {"kind": "wait", "event": {"kind": "never"}}),
    bad("trigger.kind", trigger={"kind": "whenever"}),
    bad("trigger.performative", trigger={"kind": "message", "performative": "shout"}),
    bad("trigger.name", trigger={"kind": "belief_added", "name": "has space"}),
    bad("args", trigger={"kind": "belief_added", "name": "cash"}, args=("A", "B")),
    bad("args[0]", args=("lower",)),
    bad("args[1]", args=("A", "A")),
    bad("body", *[{"kind": "add_belief", "belief": "cash", "value": "x" * 20_000}] * 2),
    bad("body[200]", *[{"kind": "succeed"}] * 201),
]


@pytest.mark.parametrize(("document", "path"), BAD)
def test_a_bad_plan_is_a_400_naming_the_path_and_nothing_is_written(org, cfo, document, path):
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        plan_create(document=copy.deepcopy(document), organization=org, by=SYSTEM)
    assert list(caught.value.fields) == [path], caught.value.fields
    assert not Plan.objects.exists() and not PlanVersion.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_send_to_an_agent_of_another_organization_is_refused_like_a_missing_one(org, cfo):
    stranger = AgentFactory(organization=OrganizationFactory(), slug="stranger")
    for to in ("stranger", str(stranger.pk)):
        with pytest.raises(InvalidInput) as caught:
            plan_create(document=doc({"kind": "send", "to": to, "performative": "inform"}), organization=org,
                        by=SYSTEM)
        assert "other organizations are not reachable" in caught.value.fields["body[0].to"][0]
    plan = plan_create(document=doc({"kind": "send", "to": [str(cfo.pk), "cfo"], "performative": "inform"}),
                       organization=org, by=SYSTEM)
    assert plan.versions.get().body[0]["to"] == [str(cfo.pk), "cfo"]


def test_nesting_deeper_than_the_limit_is_refused(org, cfo):
    step = {"kind": "succeed"}
    for _ in range(9):
        step = {"kind": "if", "condition": "Months", "then": [step]}
    with pytest.raises(InvalidInput) as caught:
        plan_create(document=doc(step), organization=org, by=SYSTEM)
    assert next(iter(caught.value.fields)).startswith("body[0].then[0]")


def test_lower_case_true_in_an_expression_gets_a_hint(org, cfo):
    with pytest.raises(InvalidInput) as caught:
        plan_create(document=doc(context="cash > 0 and true"), organization=org, by=SYSTEM)
    assert "True, False and None" in caught.value.fields["context"][0]
