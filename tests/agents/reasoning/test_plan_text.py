"""The text form of plans: the grammar, its errors (line and column), and the round trips with the JSON form."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.common.limits import PLAN_TEXT_BRACKETS_MAX, PLAN_TEXT_MAX_CHARS
from agents.reasoning.plans.text import plan_to_text, plans_to_text, text_to_plans, text_to_term
from mabos.errors import InvalidInput
from tests.support.plan_strategies import messy, plan_documents
from tests.support.processes import REPO

EXAMPLE = ('+!keep_runway(Months) : cash < 3 * monthly_costs <- !cut_costs; '
           '.send(cfo, inform, {"runway": Months}); +cost_cut(true).')


def error_of(text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        text_to_plans(text)
    assert list(caught.value.fields) == ["text"]
    return caught.value.fields["text"][0]


def test_the_issue_example_reads_as_the_json_the_api_stores():
    assert text_to_plans(EXAMPLE) == [{
        "label": None, "trigger": {"kind": "goal_added", "name": "keep_runway"}, "args": ["Months"],
        "context": "cash < 3 * monthly_costs",
        "body": [{"kind": "achieve", "goal": "cut_costs", "args": []},
                 {"kind": "send", "to": "cfo", "performative": "inform", "content": {"runway": {"expr": "Months"}},
                  "ontology": "", "protocol": ""},
                 {"kind": "add_belief", "belief": "cost_cut", "value": True}],
        "atomic": False, "source_order": None, "learning": {"reward": "", "cost": "", "features": {}}}]


STEPS = [
    ("!cut_costs", {"kind": "achieve", "goal": "cut_costs", "args": []}),
    ('!hire(2, "sales")', {"kind": "achieve", "goal": "hire", "args": [2, "sales"]}),
    ("!!audit(X + 1)", {"kind": "achieve_new", "goal": "audit", "args": [{"expr": "X + 1"}]}),
    ("?cash(C)", {"kind": "test", "belief": "cash", "bind": "C"}),
    ("?cash", {"kind": "test", "belief": "cash", "bind": None}),
    ("+market.share(0.3)", {"kind": "add_belief", "belief": "market.share", "value": 0.3}),
    ("+cost_cut", {"kind": "add_belief", "belief": "cost_cut", "value": True}),
    ("-cost_cut", {"kind": "remove_belief", "belief": "cost_cut"}),
    ('-+mood(["calm", X])', {"kind": "replace_belief", "belief": "mood", "value": ["calm", {"expr": "X"}]}),
    ("cash > 0 and X", {"kind": "constraint", "condition": "cash > 0 and X"}),
    ('.send([cfo, "chief-2"], request, null)[ontology("finance")]',
     {"kind": "send", "to": ["cfo", "chief-2"], "performative": "request", "content": None, "ontology": "finance",
      "protocol": ""}),
    (".send(Sender, agree, -1)", {"kind": "send", "to": {"expr": "Sender"}, "performative": "agree", "content": -1,
                                  "ontology": "", "protocol": ""}),
    (".action(crm.create_lead)", {"kind": "action", "name": "crm.create_lead", "args": {}, "bind": None}),
    ('.action(http.post, {"url": U}, Reply)',
     {"kind": "action", "name": "http.post", "args": {"url": {"expr": "U"}}, "bind": "Reply"}),
    (".wait(60)", {"kind": "wait", "event": None, "args": [], "timeout": 60, "on_timeout": "fail"}),
    (".wait(+cash(V), 1.5, continue)", {"kind": "wait", "event": {"kind": "belief_added", "name": "cash"},
                                        "args": ["V"], "timeout": 1.5, "on_timeout": "continue"}),
    ('.wait(^message:inform(C)[protocol("fipa-request")])',
     {"kind": "wait", "event": {"kind": "message", "performative": "inform", "protocol": "fipa-request"},
      "args": ["C"], "timeout": None, "on_timeout": "fail"}),
    ('.ask_approval(payment, "Pay?")', {"kind": "ask_approval", "name": "payment", "question": "Pay?",
                                        "of": "operators", "timeout": 86400, "bind": None}),
    ('.ask_approval("big payment", "Pay " + Who, 60.5, Note)[of("finance")]',
     {"kind": "ask_approval", "name": "big payment", "question": {"expr": '"Pay " + Who'}, "of": "finance",
      "timeout": 60.5, "bind": "Note"}),
    ('.start_protocol(request, cfo, {"cut": X}, Result)',
     {"kind": "start_protocol", "protocol": "request", "to": "cfo", "content": {"cut": {"expr": "X"}},
      "response_timeout": 30, "result_timeout": 300, "bind": "Result"}),
    (".start_protocol(query-ref, cfo, \"cash\", 5, 60.5)",
     {"kind": "start_protocol", "protocol": "query-ref", "to": "cfo", "content": "cash", "bind": None,
      "response_timeout": 5, "result_timeout": 60.5}),
    (".fail", {"kind": "fail", "error": "failed", "message": None}),
    ('.fail(over_budget, "too much")', {"kind": "fail", "error": "over_budget", "message": "too much"}),
    (".succeed", {"kind": "succeed"}),
    (".drop", {"kind": "drop"}),
    ("if (X > 2) { !a } elif (X) { } else { .drop }",
     {"kind": "if", "condition": "X > 2", "then": [{"kind": "achieve", "goal": "a", "args": []}],
      "else": [{"kind": "if", "condition": "X", "then": [], "else": [{"kind": "drop"}]}]}),
]


@pytest.mark.parametrize(("text", "step"), STEPS, ids=[text for text, _ in STEPS])
def test_every_step_kind_reads_and_prints_back(text, step):
    plan = text_to_plans(f"+!g <- {text}.")[0]
    assert plan["body"] == [step]
    assert text_to_plans(plan_to_text(plan)) == [plan]


TRIGGERS = [
    ("+!g(A, B)", {"kind": "goal_added", "name": "g"}, ["A", "B"]),
    ("-!g", {"kind": "goal_failed", "name": "g"}, []),
    ("+?cash(V)", {"kind": "test_goal", "name": "cash"}, ["V"]),
    ("+cash:eur(V)", {"kind": "belief_added", "name": "cash:eur"}, ["V"]),
    ("-cash", {"kind": "belief_removed", "name": "cash"}, []),
    ('^message:accept-proposal(Content, Sender)[ontology("x"), protocol("y")]',
     {"kind": "message", "performative": "accept-proposal", "ontology": "x", "protocol": "y"},
     ["Content", "Sender"]),
    ("^approval:budget(Decision)", {"kind": "approval", "name": "budget"}, ["Decision"]),
    ("^action_result:crm.create_lead(R)", {"kind": "action_result", "name": "crm.create_lead"}, ["R"]),
    ("^timer:monthly", {"kind": "timer", "name": "monthly"}, []),
    ('+!"Keep three months of runway"', {"kind": "goal_added", "name": "Keep three months of runway"}, []),
]


@pytest.mark.parametrize(("text", "trigger", "args"), TRIGGERS, ids=[text for text, _, _ in TRIGGERS])
def test_every_trigger_kind_reads_and_prints_back(text, trigger, args):
    plan = text_to_plans(f"{text}.")[0]
    assert (plan["trigger"], plan["args"]) == (trigger, args)
    assert text_to_plans(plan_to_text(plan)) == [plan]


def test_labels_annotations_comments_and_several_plans():
    plans = text_to_plans("""
        # the runway plans
        @cut[atomic, order(7)]
        +!keep_runway : cash < /* a comment inside */ 3 * monthly_costs
            <- !cut_costs.
        -!keep_runway : true <- .send(ceo, failure, "runway").
        +!idle.
    """)
    assert [(p["label"], p["atomic"], p["source_order"]) for p in plans] == [("cut", True, 7), (None, False, None),
                                                                          (None, False, None)]
    assert plans[0]["context"] == "cash < 3 * monthly_costs"
    assert plans[1]["context"] == ""  # Jason's ": true" is no context
    assert plans[2]["body"] == []
    assert text_to_plans(plans_to_text(plans)) == plans


def test_reserved_words_and_odd_names_print_quoted_and_read_back():
    plan = text_to_plans('+!"if" <- +"key.ends.with."(1); +atomic; !"a b"; .send("3d", inform, 1).')[0]
    assert [step.get("belief") or step.get("goal") or step.get("to") for step in plan["body"]] == \
        ["key.ends.with.", "atomic", "a b", "3d"]
    printed = plan_to_text(plan)
    assert '+!"if"' in printed and '+"key.ends.with."(1)' in printed and '!"a b"' in printed
    assert text_to_plans(printed) == [plan]


@pytest.mark.parametrize(("text", "where", "says"), [
    ("+!g <- !a;\n  !b\n  !c.", "line 3, column 3", "expected ';', '.' or '(', found '!'"),
    ("+!g : x y", "line 1, column 9", "expected '.', '<-'"),
    ("+!g", "line 1, column 4", "found the end of the text"),
    ("+!g <- $.", "line 1, column 8", "unexpected character '$'"),
    ("+!g <- .sendx(1).", "line 1, column 8", "unknown internal action .sendx"),
    ("+!g <- .ask_approval(x).", "line 1, column 23", "expected ','"),
    ('+!g <- .ask_approval(x, "?")[ontology("y")].', "line 1, column 30", "expected"),
    ('+!g <- +a({"expr": "x"}).', "line 1, column 11", 'the one key "expr"'),
    ('+!g <- +a({"k": 1, "k": 2}).', "line 1, column 20", "appears twice"),
    ("@l[order(1), order(2)] +!g.", "line 1, column 14", "order given twice"),
    ("+!g(x) <- !a.", "line 1, column 5", "a variable (Capitalized)"),
    ("+!g <- .wait().", "line 1, column 14", "expected"),
    ("^timer:t[ontology(\"x\")].", "line 1, column 9", "only a message trigger takes ontology"),
])
def test_syntax_errors_name_the_line_and_the_column(text, where, says):
    message = error_of(text)
    assert message.startswith(f"{where}: "), message
    assert says in message, message


def test_deep_brackets_long_texts_and_unstorable_characters_are_refused_before_parsing():
    deep = "+!g <- +a(" + "[" * (PLAN_TEXT_BRACKETS_MAX + 1) + "]" * (PLAN_TEXT_BRACKETS_MAX + 1) + ")."
    assert "nested deeper than" in error_of(deep)
    assert "At most" in error_of("+!g." + " " * PLAN_TEXT_MAX_CHARS)
    assert error_of("+!g <- +a(\"\x00\").")  # a NUL: refused like in every other text field
    with pytest.raises(InvalidInput):
        text_to_plans(None)


def test_a_term_that_is_only_a_literal_is_the_literal():
    assert text_to_term("3") == 3
    assert text_to_term("-2.5") == -2.5
    assert text_to_term('[1, "a", X]') == [1, "a", {"expr": "X"}]
    assert text_to_term("3 * X") == {"expr": "3 * X"}
    assert text_to_term("'single'") == {"expr": "'single'"}  # a Python string: computed, stays as written


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_documents())
def test_json_to_text_to_json_is_equal(document):
    assert text_to_plans(plan_to_text(document)) == [document]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_documents(), st.lists(st.sampled_from([" ", "  ", "\n", "\t ", " /* note */ ", " # note\n"]), max_size=5))
def test_text_to_json_to_text_to_json_is_stable(document, spaces):
    """Text as people write it (any spacing, comments) reads as the same JSON, and prints the same again."""
    text = messy(plan_to_text(document), spaces)
    first = text_to_plans(text)
    printed = plans_to_text(first)
    assert text_to_plans(printed) == first == [document]
    assert plans_to_text(text_to_plans(printed)) == printed


def test_words_end_where_names_go_on():
    """``inform`` is no ``in`` followed by ``form``, ``nothing`` no ``not``, ``iffy`` no ``if``."""
    plan = text_to_plans("+!g : not nothing and inform > iffy or truest <- index in isles; .wait(9, continue).")[0]
    assert plan["context"] == "not nothing and inform > iffy or truest"
    assert plan["body"][0] == {"kind": "constraint", "condition": "index in isles"}
    assert error_of("+!g <- .send(cfo inform, 1).").startswith("line 1, column 18: expected ','")
    assert error_of("+!g <- .wait(9, continued).").startswith("line 1, column 17: ")


def test_the_example_of_docs_reasoning_reads_and_prints_back():
    docs = (REPO / "docs" / "reasoning.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Text form"):]
    example = section[section.index("```\n") + 4:]
    example = example[:example.index("```")]
    plans = text_to_plans(example)
    assert [plan["trigger"]["kind"] for plan in plans] == ["goal_added", "goal_failed", "message"]
    assert text_to_plans(plans_to_text(plans)) == plans
