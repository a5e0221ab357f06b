"""The delivery worker: claim a batch of due deliveries, hand each to its recipient's inbox, commit.

One claim is one statement: ``SELECT ... FOR UPDATE SKIP LOCKED`` picks up to N due
rows that no other worker holds and the same statement marks them dispatched with
a lease, so any number of workers share the queue without blocking each other.
On SQLite (the zero-setup development default) the same rows are claimed with
the ORM inside a ``BEGIN IMMEDIATE`` transaction, which already excludes other writers.
Hand-over is a second transaction: an internal agent's inbox is its event queue
(``AgentEvent`` rows of kind ``message``, unique per delivery, so a retried
hand-over stores nothing twice), stored by the handler reasoning registered in
``agents.messaging.inbox`` (one INSERT for the batch, one UPDATE that wakes the
agents' runtime rows) and acked by one UPDATE; an external agent's inbox is
the API (the delivery waits, delivered, for the agent's ack). The hand-over
first locks the rows it still holds (``status = 'dispatched' AND attempts =
<claimed>``) and touches only those: a worker that stalled past its lease must
not deliver a row the sweeper has dead-lettered meanwhile, nor move a row that
another worker has re-claimed.

A worker killed between the two leaves its batch dispatched; the lease runs out
and the sweeper puts it back to pending. Nothing is lost and, thanks to the
unique message event, nothing is handed over twice.

Ordering: per (conversation, recipient), a message is handed over only after
every earlier one is (or has given up: dead, expired). "Earlier" is ``seq``, the
number the database gives each delivery at insert: never a web host's clock.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, F, Min, OuterRef, Q
from django.utils import timezone

from agents.agent.models import AgentKind, AgentStatus
from agents.messaging.inbox import InboxItem, inbox_hand_over
from agents.messaging.models import CLAIMABLE, Delivery, DeliveryStatus
from agents.messaging.services import states
from agents.messaging.services.dead_letters import dead_letter
from agents.messaging.services.policy import ack_timeout, backoff, knob, lease
from agents.messaging.services.wakeup import publish_wakeup, wakeup_taken
from mabos.metrics import DELIVERIES_FINISHED, DELIVERY_ATTEMPTS, SEND_TO_ACK, SEND_TO_DELIVER

# Each ordering check is a probe of a partial index that holds only the rows it asks about (an earlier
# delivery of the same conversation and recipient in flight, or waiting for its retry time), so it is one
# index descent per candidate however large the backlog behind it. Each is a scalar subquery with LIMIT 1,
# which PostgreSQL never turns into a join: it runs per candidate with the candidate's (conversation,
# recipient) as parameters, so the plan does not depend on what the statistics said when the table was last
# analyzed (an idle, empty queue, typically). As NOT EXISTS, a planner that believed the table small
# re-scanned a whole index for every candidate. The recipient's kind and status are read the same way, by
# primary key per claimed row: joined in the UPDATE, such a planner read all of a recipient's deliveries.
_CLAIM = """
WITH due AS (
    SELECT d.id FROM agents_delivery d
    WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= %(now)s
      AND (d.expires_at IS NULL OR d.expires_at > %(now)s)
      AND (SELECT 1 FROM agents_delivery e
           WHERE e.conversation_id = d.conversation_id AND e.recipient_id = d.recipient_id
             AND e.status = 'dispatched' AND e.seq < d.seq
           LIMIT 1) IS NULL
      AND (SELECT 1 FROM agents_delivery e
           WHERE e.conversation_id = d.conversation_id AND e.recipient_id = d.recipient_id
             AND e.status IN ('pending', 'failed') AND e.next_attempt_at > %(now)s AND e.seq < d.seq
           LIMIT 1) IS NULL
    ORDER BY d.priority DESC, d.next_attempt_at
    LIMIT %(limit)s
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE agents_delivery d
SET status = 'dispatched', lease_until = %(lease)s, attempts = d.attempts + 1, updated_at = %(now)s
FROM due
WHERE d.id = due.id
RETURNING d.id, d.message_id, d.recipient_id, d.conversation_id, d.sent_at, d.seq, d.attempts,
    (SELECT a.kind FROM agents_agent a WHERE a.id = d.recipient_id),
    (SELECT a.status FROM agents_agent a WHERE a.id = d.recipient_id)
"""

# The first earlier delivery of each claimed (conversation, recipient) that this batch does not hold:
# another worker has it (or is claiming it right now), so the later ones must wait for the next round.
# A LATERAL ... ORDER BY seq LIMIT 1 is one ordered index probe per pair by construction; a join with a
# GROUP BY let a planner with stale statistics merge-join the whole ordering index instead.
_BLOCKERS = """
SELECT p.conversation_id, p.recipient_id, first.seq
FROM (SELECT DISTINCT * FROM unnest(%(convs)s::uuid[], %(recips)s::uuid[])) AS p(conversation_id, recipient_id)
CROSS JOIN LATERAL (
    SELECT e.seq FROM agents_delivery e
    WHERE e.conversation_id = p.conversation_id AND e.recipient_id = p.recipient_id
      AND e.status IN ('pending', 'dispatched', 'failed') AND NOT (e.id = ANY(%(ids)s::uuid[]))
    ORDER BY e.seq
    LIMIT 1
) AS first
"""


#: The claim transaction's own settings, in one statement (``set_config(..., true)`` is ``SET LOCAL``).
#: ``synchronous_commit = off``: the claim commits without waiting for its WAL to reach the disk. A claim is a
#: lease, and losing one costs nothing: if PostgreSQL crashed before the flush, the rows are simply pending
#: again, as if never claimed (nothing was handed over: the hand-over is a later transaction, whose commit
#: does wait, and a flush of its commit record flushes the claim's, written before it). For every other
#: process the claim is committed at once, as before, so a worker that dies after it still leaves its rows
#: dispatched with their attempt counted. What it saves is a disk flush between the send's commit and the
#: hand-over's on every batch: on a busy machine the claim's commit took p99 26 ms (docs/benchmarks.md, (b)).
CLAIM_SETTINGS = "SELECT set_config('enable_bitmapscan', 'off', true), set_config('synchronous_commit', 'off', true)"


@dataclass
class Claimed:
    id: Any
    message_id: Any
    recipient_id: Any
    conversation_id: Any
    sent_at: datetime.datetime
    seq: int
    attempts: int
    kind: str
    recipient_status: str


@dataclass
class BatchResult:
    claimed: int = 0
    acked: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0
    latencies: list[float] = field(default_factory=list)


@transaction.atomic
def delivery_claim(*, batch_size: int, now: datetime.datetime | None = None) -> tuple[list[Claimed], int]:
    """Claim up to ``batch_size`` due deliveries under a lease; (claimed rows, deferred by ordering)."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        rows, first_elsewhere = _claim_postgresql(now=now, limit=batch_size)
    else:
        rows, first_elsewhere = _claim_single_writer(now=now, limit=batch_size)
    if not rows:
        return [], 0
    # Within the batch, only the earliest of each pair may go unless its predecessors are here too.
    keep, deferred = [], []
    for row in sorted(rows, key=lambda r: r.seq):
        blocker = first_elsewhere.get((row.conversation_id, row.recipient_id))
        (deferred if blocker is not None and blocker < row.seq else keep).append(row)
    if deferred:
        # Back to pending without spending an attempt: nothing was tried.
        states.transition([r.id for r in deferred], DeliveryStatus.PENDING, lease_until=None,
                          attempts=F("attempts") - 1)
    return keep, len(deferred)


_Blockers = dict[tuple[Any, Any], int]


def _claim_postgresql(*, now: datetime.datetime, limit: int) -> tuple[list[Claimed], _Blockers]:
    with connection.cursor() as cursor:
        # Walk the claim index in its order and stop after ``limit`` rows. Left to itself the planner often
        # prefers a bitmap scan plus a sort: that reads every due row of a backlog to keep N, and it never
        # marks the index entries of rows that already left the queue as dead, so after a burst each claim
        # re-read tens of thousands of them (3-6 ms instead of 0.4, measured in `make bench`).
        # And the claim's commit does not wait for its WAL flush (CLAIM_SETTINGS): see there.
        cursor.execute(CLAIM_SETTINGS)
        cursor.execute(_CLAIM, {"now": now, "limit": limit, "lease": now + lease()})
        rows = [Claimed(*row) for row in cursor.fetchall()]
        if not rows:
            return [], {}
        cursor.execute(_BLOCKERS, {"convs": [r.conversation_id for r in rows],
                                   "recips": [r.recipient_id for r in rows], "ids": [r.id for r in rows]})
        return rows, {(c, r): sent for c, r, sent in cursor.fetchall()}


def _claim_single_writer(*, now: datetime.datetime, limit: int) -> tuple[list[Claimed], _Blockers]:
    """The same claim for SQLite (development): its transactions are BEGIN IMMEDIATE, so this one is
    the only writer until it commits and a plain SELECT-then-UPDATE cannot race another worker."""
    waiting = (DeliveryStatus.PENDING, DeliveryStatus.DISPATCHED, DeliveryStatus.FAILED)
    earlier_not_ready = Delivery.objects.filter(
        conversation_id=OuterRef("conversation_id"), recipient_id=OuterRef("recipient_id"),
        status__in=waiting, seq__lt=OuterRef("seq"),
    ).filter(Q(status=DeliveryStatus.DISPATCHED) | Q(next_attempt_at__gt=now))
    ids = list(
        Delivery.objects.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED), next_attempt_at__lte=now)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exclude(Exists(earlier_not_ready))
        .order_by("-priority", "next_attempt_at").values_list("pk", flat=True)[:limit])
    if not ids:
        return [], {}
    Delivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.DISPATCHED, lease_until=now + lease(),
                                               attempts=F("attempts") + 1, updated_at=now)
    rows = [Claimed(*row) for row in Delivery.objects.filter(pk__in=ids).values_list(
        "id", "message_id", "recipient_id", "conversation_id", "sent_at", "seq", "attempts",
        "recipient__kind", "recipient__status")]
    pairs = {(r.conversation_id, r.recipient_id) for r in rows}
    others = (Delivery.objects.filter(status__in=waiting, conversation_id__in={c for c, _ in pairs},
                                      recipient_id__in={r for _, r in pairs})
              .exclude(pk__in=ids).values_list("conversation_id", "recipient_id").annotate(first=Min("seq")))
    return rows, {(c, r): first for c, r, first in others if (c, r) in pairs}


def _still_held(rows: list[Claimed]) -> list[Claimed]:
    """The claimed rows this worker still holds, locked until the hand-over commits.

    A worker that stalled past its lease may find a row dead-lettered by the sweeper (the sender was
    told it failed) or re-claimed by another worker (dispatched again, one attempt later): those are
    no longer ours, and handing them over would deliver a dead letter or move someone else's claim.
    """
    claimed = {row.id: row.attempts for row in rows}
    held = set()
    dispatched = Delivery.objects.select_for_update().filter(pk__in=list(claimed), status=DeliveryStatus.DISPATCHED)
    for pk, attempts in dispatched.order_by("pk").values_list("pk", "attempts"):
        if claimed[pk] == attempts:
            held.add(pk)
    return [row for row in rows if row.id in held]


def _hand_over(rows: list[Claimed], now: datetime.datetime) -> BatchResult:
    result = BatchResult(claimed=len(rows))
    with transaction.atomic():
        held = _still_held(rows)
        _hand_over_held(held, now, result)
    return result


def _hand_over_held(rows: list[Claimed], now: datetime.datetime, result: BatchResult) -> None:
    internal, external, refused = [], [], []
    for row in rows:
        if row.recipient_status in (AgentStatus.STOPPED, AgentStatus.FAILED):
            refused.append(row)  # a paused agent still gets its mail; a stopped one cannot
        elif row.kind == AgentKind.EXTERNAL:
            external.append(row)
        else:
            internal.append(row)
    if internal:
        inbox_hand_over([InboxItem(r.id, r.recipient_id, r.message_id) for r in internal], now)
        result.acked = states.transition([r.id for r in internal], DeliveryStatus.ACKED, lease_until=None,
                                         delivered_at=now, acked_at=now, updated_at=now)
    if external:
        result.delivered = states.transition(
            [r.id for r in external], DeliveryStatus.DELIVERED, delivered_at=now,
            lease_until=now + ack_timeout(), updated_at=now)
    if refused:
        result.failed, result.dead = _fail(refused, now)
    result.latencies = [(now - r.sent_at).total_seconds() for r in internal + external]


def _fail(rows: list[Claimed], now: datetime.datetime) -> tuple[int, int]:
    """Attempts that failed: retry later with backoff, or dead-letter when out of attempts."""
    max_attempts = int(knob("MAX_ATTEMPTS"))
    retry = defaultdict(list)
    dead = []
    for row in rows:
        reason = f"recipient is {row.recipient_status}"
        if row.attempts >= max_attempts:
            dead.append((row.id, f"{reason}; gave up after {row.attempts} attempt(s)"))
        else:
            retry[(reason, row.attempts)].append(row.id)
    failed = 0
    for (reason, attempts), ids in retry.items():
        failed += states.transition(ids, DeliveryStatus.FAILED, lease_until=None, last_error=reason,
                                    next_attempt_at=now + backoff(attempts), updated_at=now)
    for delivery_id, reason in dead:
        dead_letter(delivery_id=delivery_id, reason=reason)
    return failed, len(dead)


def _observe(result: BatchResult) -> None:
    for latency in result.latencies:
        SEND_TO_DELIVER.observe(latency)
    if result.acked:
        DELIVERIES_FINISHED.labels(status=DeliveryStatus.ACKED).inc(result.acked)
        for latency in result.latencies[:result.acked]:
            SEND_TO_ACK.observe(latency)
    for outcome, count in (("delivered", result.acked + result.delivered), ("failed", result.failed),
                           ("dead", result.dead)):
        if count:
            DELIVERY_ATTEMPTS.labels(outcome=outcome).inc(count)
    # Dead letters are counted as finished by dead_letter() itself, on commit, whoever made them.


def delivery_hand_over(rows: list[Claimed]) -> BatchResult:
    """Hand claimed rows to their recipients (one transaction) and count what happened."""
    result = _hand_over(rows, timezone.now())
    _observe(result)
    return result


def delivery_dispatch_batch(*, batch_size: int | None = None) -> BatchResult:
    """Claim one batch and hand it over (two short transactions)."""
    rows, deferred = delivery_claim(batch_size=batch_size or int(knob("BATCH_SIZE")))
    if not rows:
        return BatchResult(deferred=deferred)
    result = delivery_hand_over(rows)
    result.deferred = deferred
    return result


def delivery_dispatch_due(*, batch_size: int | None = None, time_budget: float = 10.0) -> int:
    """Deliver batches until nothing is due or ``time_budget`` seconds are spent; the number handed over.

    Returns early on a short batch; the caller re-publishes a wake-up if the
    budget ran out with work left (``more_due``).
    """
    size = batch_size or int(knob("BATCH_SIZE"))
    deadline = time.monotonic() + time_budget
    total = 0
    while True:
        result = delivery_dispatch_batch(batch_size=size)
        total += result.acked + result.delivered
        if result.claimed == 0 or result.claimed + result.deferred < size or time.monotonic() >= deadline:
            return total


def more_due() -> bool:
    return Delivery.objects.filter(status__in=CLAIMABLE, next_attempt_at__lte=timezone.now()).exists()


#: Time budget of each of delivery_drain's two rounds; a backlog left after it goes to a fresh task.
ROUND_SECONDS = 5.0


def delivery_drain() -> int:
    """What a woken delivery task does: deliver batches until nothing is due (or the time budget runs out).

    The wake-up stays pending during a short linger and the first round, so sends
    committed meanwhile ride along instead of each publishing a task of their own
    (at a few hundred sends a second that was a task per message or two, and the
    worker spent more on tasks than on messages). Then the wake-up is taken: a
    second round picks up every send that saw it pending, and sends from then on
    publish a fresh one. No send is left behind: one that saw the wake-up pending
    committed before it was taken, so the second round sees it.
    """
    linger = float(knob("WAKEUP_LINGER_SECONDS"))
    if linger > 0:
        time.sleep(linger)  # batching on purpose: the sends of the next few milliseconds join this task
    delivered = delivery_dispatch_due(time_budget=ROUND_SECONDS)
    wakeup_taken()
    started = time.monotonic()
    delivered += delivery_dispatch_due(time_budget=ROUND_SECONDS)
    if time.monotonic() - started >= ROUND_SECONDS and more_due():
        publish_wakeup()  # a long backlog: hand the rest to the next free worker child
    return delivered
