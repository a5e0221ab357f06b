"""Jason conformance through a real Celery worker (issue 13, part 9): the scenarios where the process matters.

The session's worker (``celery_worker_process`` in tests/conftest.py) consumes the ``reasoning`` and
``messages`` queues and runs without beat: every cycle here is started by the wake-ups published after
commit (``agents/reasoning/runtime/wakeup.py`` for events, the delivery wake-up for mail), never by the
``agents.sweep_reasoning`` sweeper. The data is committed (``transactional_db``) so the worker sees it; the
test polls with a deadline for the outcome.
"""

from __future__ import annotations

import pytest

from agents.messaging.services import wakeup
from agents.messaging.services.policy import knob
from agents.models import Goal, GoalStatus, Intention, IntentionStatus, Message
from mabos.resilience.breakers import breaker
from tests.support.polling import wait_until
from tests.support.reasoning import World, beliefs_of, sent_by, traces_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


@pytest.fixture
def worker(celery_worker_process):
    """The session's worker, with the publishing breaker closed (an earlier test may have opened it)."""
    breaker(wakeup.BREAKER_NAME, fail_max=int(knob("BREAKER_FAIL_MAX")),
            reset_timeout=float(knob("BREAKER_RESET_SECONDS"))).close()
    yield celery_worker_process
    assert celery_worker_process.alive(), celery_worker_process.output()


def finished(agent, count: int = 1) -> list[Intention]:
    done = list(Intention.objects.filter(agent=agent).exclude(status__in=["running", "waiting"]))
    return done if len(done) >= count else []


def test_the_worker_recovers_a_failed_subgoal_and_sends_exactly_once(worker):
    """``demos/failure/a.asl`` run by the worker: ``!g1 → !g2 → !g3``, the deepest fails, ``-!g2`` recovers,
    and the root plan continues and reports with one ``.send``. Every step is its own batch in the worker
    (``reasoning_drain`` runs batches until nothing is due), so this also checks that the frames, the
    program counters and the recovery survive being written and read back between cycles."""
    world = World("bob", "ceo")
    world.plans("""
        +!test <- +ini_test; !g1; .send(ceo, inform, {"end": true}).
        +!g1 <- !g2; +end_g1.
        +!g2 <- !g3; +end_g2.
        +!g3 <- .fail(deep_failure, "g3 gave up").
        @recover_g2 -!g2 <- +recovered_g2.
    """)
    goal = world.goal("bob", "test")
    [intention] = wait_until(lambda: finished(world.bob), timeout=60, message="the worker finished the intention")
    assert intention.status == IntentionStatus.ACHIEVED
    beliefs = beliefs_of(world.bob)
    assert {"ini_test", "recovered_g2", "end_g1"} <= set(beliefs) and "end_g2" not in beliefs
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    assert dict(Goal.objects.filter(agent=world.bob).values_list("name", "status")) == {
        "test": "achieved", "g1": "achieved", "g2": "failed", "g3": "failed"}
    [message] = sent_by(world.bob)
    assert message.content == {"end": True}
    assert Message.objects.filter(sender_agent=world.bob).count() == 1


def test_the_worker_answers_a_request_in_its_conversation(worker):
    """``jason-interpreter/src/test/java/test/asunit/TestKQML.java`` ``testSend``/``testAsk`` with two real
    agents: bob's plan requests, maria's ``^message:request`` plan binds the content and the sender and
    replies, bob's ``^message:agree`` plan takes the answer. Both deliveries and all three cycles of reasoning
    happen in the worker; each message is sent exactly once, the reply in the request's conversation."""
    world = World("bob", "maria")
    world.plans("""
        +!ask <- .send(maria, request, {"goto": [10, 2]}).
        ^message:request(Content, Sender) <- +asked(Content); .send(Sender, agree, Content["goto"]).
        ^message:agree(Position) <- +maria_agreed(Position).
    """)
    world.goal("bob", "ask")
    wait_until(lambda: "maria_agreed" in beliefs_of(world.bob), timeout=60, message="bob got maria's answer")
    assert beliefs_of(world.bob)["maria_agreed"] == [10, 2]
    assert beliefs_of(world.maria)["asked"] == {"goto": [10, 2]}
    [request] = sent_by(world.bob)
    [reply] = sent_by(world.maria)
    assert reply.conversation_id == request.conversation_id and reply.in_reply_to_id == request.pk
    wait_until(lambda: len(finished(world.bob, 2)) == 2 and finished(world.maria), timeout=30,
               message="every intention finished")
    assert {i.status for i in Intention.objects.filter(agent__in=[world.bob, world.maria])} == {"achieved"}


def test_the_worker_interleaves_a_new_focus_and_keeps_tail_recursion_bounded(worker):
    """``demos/concurrent-goals/sample_agent.asl`` (``+!g(L,X) <- .print(L,X); ..; !g(L,X-1)`` started
    for several letters at once) in the worker: ``!!count`` starts two counters as separate intentions;
    each counts down by tail recursion (``TestTRO.java``), so however long they run each stack stays one
    frame deep, and both reach zero."""
    world = World("bob")
    world.plans("""
        +!start <- !!count("a", 30); !!count("b", 30).
        @down +!count(L, N) : N > 0 <- -+last(L); !count(L, N - 1).
        @zero +!count(L, N) : N == 0 <- +finished(L).
    """)
    world.goal("bob", "start")
    wait_until(lambda: len(finished(world.bob, 3)) == 3, timeout=60, message="both counters and start finished")
    counters = list(Intention.objects.filter(agent=world.bob, trigger_name="count"))
    assert len(counters) == 2 and {i.status for i in counters} == {IntentionStatus.ACHIEVED}
    assert all(len(i.stack) == 1 for i in counters)
    assert Goal.objects.filter(agent=world.bob, name="count").count() == 62
    assert set(Goal.objects.filter(agent=world.bob).values_list("status", flat=True)) == {GoalStatus.ACHIEVED}
    assert beliefs_of(world.bob)["finished"] in ("a", "b")
    ids = {str(i.id) for i in counters}
    together = [t for t in traces_of(world.bob) if {s["intention"] for s in t.steps} >= ids]
    assert len(together) >= 20  # the two counters stepped in the same cycles, turn by turn
