"""A trace row in words (agents/reasoning/trace/words.py), and where a frame's pc points (intentions/frames.py).

Pure functions: no database. The words never fail, whatever an old or odd row holds (a property test).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agents.reasoning.intentions.frames import pc_path, step_at
from agents.reasoning.trace.models import CycleTrace
from agents.reasoning.trace.words import trace_words

EVENT = {"id": 41, "kind": "goal_added", "name": "keep_runway", "source": {"kind": "user", "id": "7", "name": "alice"}}
CUT = {"plan": "p1", "label": "cut_costs", "version": 2, "context": "cash < 3 * monthly_costs", "held": True,
       "reason": ""}
RAISE = {"plan": "p2", "label": "raise_prices", "version": 1, "context": "share > 0.1", "held": False, "reason": ""}
BROKEN = {"plan": "p3", "label": "x", "version": 1, "context": "y > 1", "held": False,
          "reason": "name 'y' is neither bound nor a belief"}


def test_the_brief_s_example_reads_as_written():
    row = {"event": EVENT, "options": [CUT, RAISE, BROKEN],
           "choice": {"plan": "p1", "label": "cut_costs", "version": 2, "why": ""},
           "steps": [{"intention": "i1", "label": "cut_costs", "version": 2, "path": "body[1]", "kind": "send",
                      "result": "ok", "detail": "sent inform to cfo"}]}
    assert trace_words(row) == [
        "took event goal_added keep_runway (from user alice)",
        "chose plan `cut_costs` v2 because `cash < 3 * monthly_costs` held",
        "skipped `raise_prices`: context false",
        "skipped `x`: context failed (name 'y' is neither bound nor a belief)",
        "ran `send` at body[1] of `cut_costs`: sent inform to cfo",
    ]


def test_a_model_row_reads_like_its_json():
    row = CycleTrace(cycle=3, event=EVENT, options=[CUT], choice={"plan": "p1", "label": "cut_costs", "version": 2,
                                                                   "why": "first applicable in source order"})
    assert trace_words(row) == ["took event goal_added keep_runway (from user alice)",
                                "chose plan `cut_costs` v2 because `cash < 3 * monthly_costs` held "
                                "(first applicable in source order)"]


def test_no_applicable_plan_fails_a_goal_and_with_no_relevant_plan_it_waits():
    assert trace_words({"event": EVENT, "options": [RAISE], "choice": None})[-1] == \
        "no applicable plan: the goal failed (no_applicable)"
    assert trace_words({"event": EVENT, "options": [], "choice": None})[-1] == \
        "no relevant plan: the goal waits for a plan"
    assert trace_words({"event": {"kind": ["goal_added"]}, "options": [], "choice": None})[-1] == "no relevant plan"
    message = {"id": 2, "kind": "message", "name": "request", "source": {"kind": "message", "id": "m1", "name": "ceo"}}
    assert trace_words({"event": message, "options": [], "choice": None}) == [
        "took event message request (in a message from ceo)", "no relevant plan"]


def test_other_options_say_why_they_were_not_taken():
    second = {**CUT, "plan": "p4", "label": "sell_assets", "reason": "lower in source order"}
    unevaluated = {**CUT, "plan": "p5", "label": "later", "held": None, "reason": ""}
    disabled = {**CUT, "plan": "p6", "label": "off", "held": None, "reason": "disabled"}
    words = trace_words({"event": EVENT, "options": [CUT, second, unevaluated, disabled],
                         "choice": {"plan": "p1", "label": "cut_costs", "version": 2}})
    assert words[2:] == ["skipped `sell_assets`: applicable, not chosen (lower in source order)",
                         "skipped `later`: not evaluated", "skipped `off`: disabled"]


def test_a_plan_with_no_context_and_a_choice_found_by_label():
    always = {"label": "always", "version": 1, "context": "", "held": True}
    assert trace_words({"options": [always], "choice": {"label": "always", "version": 1}}) == [
        "chose plan `always` v1, which has no context (always applicable)"]


def test_steps_say_their_result_and_detail():
    steps = [{"label": "cut_costs", "path": [2, "then", 0], "kind": "send", "result": "ok"},
             {"label": "cut_costs", "path": "body[3]", "kind": "action", "result": "waiting",
              "detail": "for crm.create_lead"},
             {"label": "cut_costs", "path": "body[4]", "kind": "constraint", "result": "failed",
              "detail": "cash > 0 did not hold"},
             {"kind": "succeed", "result": "achieved"}]
    assert trace_words({"event": None, "steps": steps}) == [
        "ran `send` at body[2].then[0] of `cut_costs`",
        "ran `action` at body[3] of `cut_costs`: waiting (for crm.create_lead)",
        "ran `constraint` at body[4] of `cut_costs`: failed (cash > 0 did not hold)",
        "ran `succeed`: achieved"]


def test_old_and_odd_rows_still_read():
    assert trace_words({}) == ["nothing to do"]
    assert trace_words(CycleTrace()) == ["nothing to do"]
    assert trace_words({"event": {"kind": "timer"}}) == ["took event timer", "no relevant plan"]
    assert trace_words({"event": {}, "options": "garbage", "steps": [1, None, {"result": "ok"}]}) == [
        "took event an event", "no relevant plan", "ran a step"]
    assert trace_words({"event": {"kind": "belief_added", "name": "cash", "source": "system onboarding"}}) == [
        "took event belief_added cash (from system onboarding)", "no relevant plan"]
    assert trace_words({"choice": {"plan": "p9"}})[0] == "chose plan `p9`"


def test_a_choice_without_a_plan_says_why_no_plan_was_chosen():
    """A protocol that took the message, or a goal waiting for a plan: the why alone, never "chose plan `?`"."""
    why = "fipa-contract-net run r1: propose from agent a1 after the reply-by deadline: rejected (late)"
    assert trace_words({"event": {"kind": "message", "name": "propose"}, "choice": {"why": why}}) == [
        "took event message propose", f"no plan: {why}"]
    assert trace_words({"choice": {"why": "no plan is relevant to +!g: the goal waits for one"}}) == [
        "no plan: no plan is relevant to +!g: the goal waits for one"]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12)
KEYS = ("event", "options", "choice", "steps")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), JSON | st.lists(st.dictionaries(
    st.sampled_from(("plan", "label", "version", "context", "held", "reason", "kind", "path", "result", "detail",
                     "name", "source", "why")), JSON, max_size=6), max_size=3)))
def test_the_words_never_fail_and_are_sentences(row):
    words = trace_words(row)
    assert words and all(isinstance(sentence, str) and sentence for sentence in words)


def test_pc_paths_and_the_steps_they_name():
    body = [{"kind": "achieve", "goal": "g"}, {"kind": "send"},
            {"kind": "if", "condition": "x", "then": [{"kind": "add_belief"}], "else": []}]
    assert pc_path([2]) == "body[2]" and pc_path([2, "then", 0]) == "body[2].then[0]"
    assert pc_path([]) == "body" and pc_path(None) == "" and pc_path("odd") == "odd"
    assert step_at(body, [1]) == {"kind": "send"}
    assert step_at(body, [2, "then", 0]) == {"kind": "add_belief"}
    assert step_at(body, [3]) is None, "past the end: the frame has run its last step"
    assert step_at(body, [2, "else", 0]) is None and step_at(body, [2, "then"]) is None
    assert step_at(body, [0, "then", 0]) is None and step_at(body, [True]) is None and step_at(body, []) is None
    assert step_at("garbage", [0]) is None and step_at(body, "0") is None
