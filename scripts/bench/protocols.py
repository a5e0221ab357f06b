#!/usr/bin/env python
"""`make bench` phase `protocols`: Contract-Net and approval gates on a real worker, durable PostgreSQL (issue 14
part 10).

(a) contract-net runs/s: ``BENCH_PROTOCOLS_RUNS`` initiators (200), each with 5 bidders of its own (their ids in
    the initiator's beliefs ``b0`` … ``b4``); each initiator's goal ``+!buy`` sends a cfp to its 5 bidders, every
    bidder proposes the price it believes, the call closes when all 5 answered, the initiator's plan accepts the
    cheapest (``+!award`` plans as in docs/protocols.md) and rejects the 4 others, the winner informs done. The
    goals are posted in one transaction; the rate counts the runs reaching ``done`` from that transaction's
    commit to the commit of the last run's close (``pg_xact_commit_timestamp`` of both; the run row's last
    writer is the cycle that closed it). One worker (prefork, concurrency 2, with beat) on
    reasoning,actions,messages,default: bidders receive the cfp through delivery.
(b) approval decision → next step: ``BENCH_PROTOCOLS_GATES`` agents (200) each waiting at an ``.ask_approval``
    gate; the service ``approval_decide`` approves them one by one at ``BENCH_PROTOCOLS_RATE`` per second (20,
    open loop); for each, the time from the decision's commit (the request row's) to the commit of the cycle
    that ran the step after the gate (the ``paid`` belief row it inserts). Target p95 ≤ 1 s.

Runs inside scripts/testenv.py like run.py. ``BENCH_SCALE`` scales the sizes for a check of the bench
(writes nothing to docs/).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# isort: off
from scripts.bench import run  # first: it sets Django up, as every bench phase does

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count

from agents.models import (Agent, AgentEvent, Belief, CycleTrace, Delivery,
                           Intention, Message, ProtocolRun)
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from agents.reasoning.approvals.services import approval_decide
from agents.reasoning.events.services import NewEvent, agent_events_post
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from scripts.bench import cpu, durability
from scripts.bench.reasoning import organization  # the same bulk-built organization of internal agents
from tests.support.polling import wait_until
# isort: on

MARKERS = {"durable": ("<!-- bench-protocols:start -->", "<!-- bench-protocols:end -->"),
           "fast": ("<!-- bench-protocols-fast:start -->", "<!-- bench-protocols-fast:end -->")}
BIDDERS = 5
P95_TARGET_MS = 1000
QUEUES = "reasoning,actions,messages,default"

_PROPOSALS = ", ".join(f'P[{i}]["content"]' for i in range(BIDDERS))
_TO = ", ".join(f'belief("b{i}")' for i in range(BIDDERS))
# The initiator: a cfp to its 5 bidders, then the decision in its own plans (the cheapest wins, as in
# docs/protocols.md's example), then the winner's result.
INITIATOR_PLANS = f"""
+!buy : true <- .start_protocol(cfp, [{_TO}], "job", Bids, 30, 60); !award(Bids["proposals"]).
-!buy : true <- +buy_failed(true).
""" + "".join(f"""
+!award(P) : P[{i}]["content"] == min({_PROPOSALS}) <- .start_protocol(accept-proposal, P[{i}]["participant"], "go",
    Done); +bought(Done).
""" for i in range(BIDDERS))
BIDDER_PLANS = """
^message:cfp(Task, Sender) <- .send(Sender, propose, belief("price", 100)).
^message:accept-proposal(What, Sender) <- .send(Sender, inform, {"done": What}).
^message:reject-proposal(Why, Sender) <- +lost(Why).
"""
GATE_PLANS = """
+!pay : true <- .ask_approval(payment, "Pay the invoice?", 3600); +paid(true).
"""


def settled(agents: list[Agent]) -> bool:
    ids = [a.pk for a in agents]
    return not (AgentEvent.objects.filter(agent_id__in=ids, consumed_at__isnull=True).exists()
                or Intention.objects.filter(agent_id__in=ids, status="running").exists()
                or Delivery.objects.filter(recipient_id__in=ids, status__in=("pending", "dispatched")).exists())


def post_goals(agents: list[Agent], goal: str) -> float:
    """Post ``+!goal`` to every agent in one transaction; the commit time PostgreSQL recorded for it (epoch s)."""
    with transaction.atomic():
        agent_events_post(events=[NewEvent(agent=agent, kind="goal_added", args={"name": goal, "args": []})
                                  for agent in agents], by=run.SYSTEM)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text")
            xid = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        # pg_xact_commit_timestamp takes a 32-bit xid: the low half of the 64-bit one, as text.
        cursor.execute("SELECT EXTRACT(EPOCH FROM pg_xact_commit_timestamp(%s::text::xid))", [str(int(xid) % 2**32)])
        return float(cursor.fetchone()[0])


def _quantile(values: list[float], q: float) -> float:
    return values[int(q * (len(values) - 1))]


def phase_contract_net(initiators_n: int) -> dict:
    """(a): every initiator's run, cfp → 5 proposals → accept the cheapest, reject 4 → the winner's inform."""
    per = BIDDERS + 1
    _org, agents = organization("cnet", initiators_n * per, "")
    org = agents[0].organization
    initiators = agents[::per]
    rng = random.Random(14)  # noqa: S311 (reproducible prices, not a secret)
    beliefs = []
    for k, initiator in enumerate(initiators):
        bidders = agents[k * per + 1:(k + 1) * per]
        beliefs += [Belief(agent=initiator, key=f"b{i}", value=str(bidder.pk), source="bench")
                    for i, bidder in enumerate(bidders)]
        prices = rng.sample(range(10, 1000), BIDDERS)  # distinct: one cheapest
        beliefs += [Belief(agent=b, key="price", value=price, source="bench") for b, price in zip(bidders, prices,
                                                                                                    strict=True)]
    Belief.objects.bulk_create(beliefs)
    for document in text_to_plans(INITIATOR_PLANS + BIDDER_PLANS):
        plan_create(document=document, organization=org, by=run.SYSTEM)
    worker = run.bench_worker("protocols-a", QUEUES)
    try:
        before, started = cpu.snapshot(), time.monotonic()
        goals_at = post_goals(initiators, "buy")
        runs = ProtocolRun.objects.filter(initiator__in=initiators)
        wait_until(lambda: runs.filter(state__in=("done", "failed", "timeout", "cancelled", "refused")).count()
                   == len(initiators) and settled(agents), timeout=600, interval=0.1, message="every run closed")
        elapsed = time.monotonic() - started
        spent = cpu.per_request(before, cpu.snapshot(), len(initiators))
        with connection.cursor() as cursor:
            cursor.execute("""SELECT EXTRACT(EPOCH FROM pg_xact_commit_timestamp(xmin)),
                                      EXTRACT(EPOCH FROM finished_at - created_at)
                               FROM agents_protocolrun
                               WHERE initiator_id = ANY(%s) AND state = 'done'""",
                           [[str(a.pk) for a in initiators]])
            rows = cursor.fetchall()
        done = len(rows)
        closes = sorted(float(at) for at, _d in rows)
        durations = sorted(float(d) * 1000 for _at, d in rows)
        span = closes[-1] - goals_at
        ids = [a.pk for a in agents]
        conversations = list(runs.values_list("pk", flat=True))
        messages = Message.objects.filter(conversation_id__in=conversations).count()
        deliveries = Delivery.objects.filter(message__conversation_id__in=conversations).count()
        cycles = CycleTrace.objects.filter(agent_id__in=ids).count()
        return {"initiators": len(initiators), "bidders_each": BIDDERS, "agents": len(agents), "done": done,
                "states": dict(runs.values_list("state").annotate(n=Count("pk")).values_list("state", "n")),
                "seconds": span, "wall_seconds": elapsed, "runs_per_second": done / span,
                "first_close_s": closes[0] - goals_at, "run_p50_ms": statistics.median(durations),
                "run_p95_ms": _quantile(durations, 0.95), "messages": messages, "deliveries": deliveries,
                "messages_per_run": messages / done, "deliveries_per_run": deliveries / done,
                "messages_per_second": messages / span, "deliveries_per_second": deliveries / span,
                "cycles": cycles, "cycles_per_run": cycles / done, "cycles_per_second": cycles / span,
                "bought": Belief.objects.filter(agent__in=initiators, key="bought").count(),
                "cpu_ms_per_run": spent, "cpu_ms_per_run_total": round(sum(spent.values()), 1),
                "quiet_runs_per_second": 2000 / sum(spent.values()) if sum(spent.values()) else None}
    finally:
        worker.stop()


_GATE_LATENCY = """
SELECT r.id, EXTRACT(EPOCH FROM pg_xact_commit_timestamp(r.xmin)),
       EXTRACT(EPOCH FROM pg_xact_commit_timestamp(b.xmin)),
       EXTRACT(EPOCH FROM pg_xact_commit_timestamp(t.xmin)), EXTRACT(EPOCH FROM t.at), t.duration_us
FROM agents_approvalrequest r
JOIN agents_belief b ON b.agent_id = r.agent_id AND b.key = 'paid'
JOIN agents_agentevent e ON e.agent_id = r.agent_id AND e.kind = 'approval'
     AND e.args->>'request' = r.id::text
LEFT JOIN agents_cycletrace t ON t.agent_id = r.agent_id AND (t.event->>'id')::bigint = e.id
WHERE r.id = ANY(%s)
"""


def phase_approvals(gates: int, rate: float) -> dict:
    """(b): ``gates`` agents wait at a gate; decisions at ``rate``/s; decision commit → the next step's commit."""
    _org, agents = organization("gates", gates, GATE_PLANS)
    person = get_user_model().objects.create_user(username=f"bench-approver-{uuid.uuid4().hex[:6]}",
                                                  is_superuser=True, is_staff=True)
    worker = run.bench_worker("protocols-b", QUEUES)
    try:
        post_goals(agents, "pay")
        requests = ApprovalRequest.objects.filter(agent__in=agents, status=ApprovalStatus.PENDING)
        wait_until(lambda: requests.count() == len(agents) and settled(agents), timeout=300, interval=0.1,
                   message="every agent waiting at its gate")
        pending = list(requests.order_by("agent__slug"))
        random.Random(10).shuffle(pending)  # noqa: S311 (a spread over agents, not a secret)
        started = time.monotonic()
        for i, request in enumerate(pending):
            pause = started + i / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pacing the offered decisions (open loop), not waiting for a result
            approval_decide(request=request, by=person, decision=ApprovalStatus.APPROVED, comment="bench")
        offered = len(pending) / (time.monotonic() - started)
        paid = Belief.objects.filter(agent__in=agents, key="paid")
        wait_until(lambda: paid.count() == len(agents) and settled(agents), timeout=300, interval=0.1,
                   message="every gate passed")
        with connection.cursor() as cursor:
            cursor.execute(_GATE_LATENCY, [[str(r.pk) for r in pending]])
            rows = cursor.fetchall()
        step = sorted((float(b) - float(d)) * 1000 for _id, d, b, _t, _at, _us in rows)
        pickup = sorted((float(at) - float(d)) * 1000 for _id, d, _b, _t, at, _us in rows if at is not None)
        cycle_us = sorted(int(us) for *_rest, us in rows if us is not None)
        return {"gates": len(agents), "offered_per_second": offered, "measured": len(step),
                "p50_ms": statistics.median(step), "p95_ms": _quantile(step, 0.95), "p99_ms": _quantile(step, 0.99),
                "max_ms": step[-1], "pickup_p50_ms": statistics.median(pickup),
                "pickup_p95_ms": _quantile(pickup, 0.95), "cycle_p50_us": statistics.median(cycle_us),
                "same_cycle": sum(1 for _id, _d, b, t, _at, _us in rows if t is not None and b == t)}
    finally:
        worker.stop()


def render(r: dict) -> str:
    m, db = r["machine"], r["database"]
    ok = durability.is_durable(db)
    start, end = MARKERS[durability.mode(db)]
    a, b = r["contract_net"], r["approvals"]
    verdict = ("not judged: not durable" if not ok else ("met" if b["p95_ms"] <= P95_TARGET_MS else "**missed**"))
    return "\n".join([
        start,
        f"Run on {m['date']}: {m['nproc']} CPU(s), {m['memory_gb']} GB RAM, {m['platform']}, Python {m['python']}; "
        f"load average before the run {r['load_before']}, after {r['load_after']} (the machine is shared).",
        durability.describe(db),
        "",
        f"One Celery worker (prefork, concurrency 2, with beat) per phase on `{QUEUES}`, REASONING_BATCH_SIZE="
        f"{r['batch_size']}, on this one machine.",
        "",
        "| figure | result | target |",
        "|---|---|---|",
        f"| (a) {a['initiators']} Contract-Net runs at once, {a['bidders_each']} bidders each ({a['agents']} agents): "
        "cfp → 5 proposals → accept the cheapest, reject 4 → the winner's inform; goals' commit → last run's "
        f"close commit | **{a['runs_per_second']:.1f} runs/s** ({a['done']} done in {a['seconds']:.1f} s; "
        f"first closed after {a['first_close_s']:.1f} s; a run's own span p50 {a['run_p50_ms']:.0f} ms, "
        f"p95 {a['run_p95_ms']:.0f} ms) | (reference) |",
        f"| (a) the same in messages (6 agents each run) | **{a['messages_per_second']:.0f} messages/s** "
        f"({a['messages_per_run']:.0f} messages, {a['deliveries_per_run']:.0f} deliveries per run: "
        f"{a['deliveries_per_second']:.0f} deliveries/s); {a['cycles_per_second']:.0f} cycles/s "
        f"({a['cycles_per_run']:.1f} per run) | (reference) |",
        f"| (a) CPU per run, this bench's processes only (/proc, scripts/bench/cpu.py): worker "
        f"{a['cpu_ms_per_run']['worker']:.1f} ms, PostgreSQL {a['cpu_ms_per_run']['postgres']:.1f} ms, Redis "
        f"{a['cpu_ms_per_run']['redis']:.1f} ms | **{a['cpu_ms_per_run_total']:.1f} ms per run**: 2 cores ÷ that = "
        f"{a['quiet_runs_per_second']:.0f} runs/s on a quiet machine | (reference) |",
        f"| (b) {b['gates']} agents waiting at an `.ask_approval` gate, approved through `approval_decide` at "
        f"{b['offered_per_second']:.1f}/s; decision commit → commit of the cycle that ran the step after the gate "
        f"| **p95 {b['p95_ms']:.1f} ms** (p50 {b['p50_ms']:.1f}, p99 {b['p99_ms']:.1f}, max {b['max_ms']:.1f}; "
        f"{b['measured']} of {b['gates']}; the cycle started p50 {b['pickup_p50_ms']:.1f} ms / p95 "
        f"{b['pickup_p95_ms']:.1f} ms after the decision) | p95 ≤ {P95_TARGET_MS} ms: {verdict} |",
        end,
    ])


def write_report(result: dict) -> None:
    run.block_write(render(result), MARKERS[durability.mode(result["database"])], heading="## Protocols")


def main() -> int:
    db = durability.bench_database(connection, commit_timestamps="the protocols phase")
    if db is None:
        return 2
    from django.conf import settings

    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    result = {"machine": run.machine(), "database": db, "batch_size": settings.REASONING["BATCH_SIZE"],
              "load_before": load_before,
              "contract_net": phase_contract_net(run.scaled(int(os.environ.get("BENCH_PROTOCOLS_RUNS", "200")),
                                                            least=5)),
              "approvals": phase_approvals(run.scaled(int(os.environ.get("BENCH_PROTOCOLS_GATES", "200")), least=10),
                                           float(os.environ.get("BENCH_PROTOCOLS_RATE", "20")))}
    result["load_after"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return run.phase_end(result, write_report)


if __name__ == "__main__":
    threading.excepthook = lambda args: print(f"[bench] thread failed: {args.exc_value}", file=sys.stderr)
    sys.exit(main())
