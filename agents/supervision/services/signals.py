"""Failure signals: which agents may be failing (cheap set queries), and what one agent's signals are.

``candidates`` reads, without locking, the agents worth a look: a restart whose back-off has run out, failed
intentions or cycle errors or dead letters since the agent's watermark, a heartbeat that may be stale. The
check then locks each candidate's supervision row and asks ``signals_of`` again, under the lock, from the
watermark it finds there: two checks can never count the same failure twice.

A stale heartbeat is the subtle one (docs/supervision.md, "Failure signals"):

- an external agent's: no heartbeat (``POST agents/{id}/heartbeat/``, or an inbox read) for the timeout while a
  delivery to it has waited longer than that; reported once per spell;
- an internal agent's: due for a cycle longer than the timeout, no cycle within it, its runtime row held by no
  batch, and the reasoning workers demonstrably past it: an event created after it became due was consumed
  within the timeout. A dead or killed worker pool consumes nothing, so a thousand agents waiting for it are
  a platform problem (readiness and metrics show it), never a thousand failing agents.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, DateTimeField, Exists, F, Max, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from agents.agent.models import Agent, AgentKind, AgentStatus
from agents.messaging.models import Delivery, DeliveryStatus
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.intentions.models import Intention, IntentionStatus
from agents.reasoning.runtime.models import AgentRuntime
from agents.reasoning.trace.models import CycleTrace
from agents.supervision.models import AgentSupervision, SupervisionEventKind, SupervisorPolicy
from agents.supervision.scope import supervised as scope_supervised

#: Deliveries still owed to an agent: waiting, on their way, or in its inbox unacked.
OWED = (DeliveryStatus.PENDING, DeliveryStatus.DISPATCHED, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)
#: A cycle that failed inside MABOS (agents.reasoning.cycle.batch.think) leaves this step in its trace.
CYCLE_FAILED = {"kind": "cycle", "result": "failed"}
#: Events created within this of an agent's due time count as its own generation, not as the workers past it.
FRONTIER_MARGIN = datetime.timedelta(seconds=1)
LOOKBACK_MAX = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Signal:
    kind: str
    detail: dict[str, Any] = field(default_factory=dict)


def _window(policies: list[SupervisorPolicy]) -> datetime.timedelta:
    seconds = max([p.failure_window_seconds for p in policies] + [p.heartbeat_timeout_seconds for p in policies]
                  + [1])
    return min(datetime.timedelta(seconds=seconds), LOOKBACK_MAX)


def _watermark(agent_column: str, since: datetime.datetime) -> Coalesce:
    """The row's agent's watermark, or ``since`` for an agent without a supervision row yet."""
    mark = AgentSupervision.objects.filter(agent_id=OuterRef(agent_column)).values("signals_since")[:1]
    return Coalesce(Subquery(mark), Value(since, output_field=DateTimeField()))


def _cycle_failed(queryset: Any) -> Any:
    if connection.vendor == "postgresql":
        return queryset.filter(steps__contains=[CYCLE_FAILED])
    return queryset.filter(steps__icontains='"kind": "cycle", "result": "failed"')


def candidates(*, now: datetime.datetime, policies: list[SupervisorPolicy], limit: int) -> list[Any]:
    """Agent ids worth a check now, oldest trouble first, at most ``limit``; unlocked reads only."""
    if not policies:
        return []
    since = now - _window(policies)
    orgs = {p.organization_id for p in policies}
    supervised = scope_supervised("agent")
    # Below the lowest threshold nothing can count: such an agent is not worth a lock (it would be every round).
    least = min(p.failure_threshold for p in policies)
    found: list[Any] = list(AgentSupervision.objects.filter(restart_at__lte=now).order_by("restart_at")
                            .values_list("agent_id", flat=True)[:limit])
    watermark = _watermark("agent_id", since)
    failed = (Intention.objects.filter(status=IntentionStatus.FAILED, finished_at__gte=since,
                                       agent__organization_id__in=orgs, agent__status=AgentStatus.ACTIVE)
              .filter(supervised).filter(finished_at__gt=watermark).values("agent_id").annotate(n=Count("id"))
              .filter(n__gte=least).order_by())
    found += [row["agent_id"] for row in failed[:limit]]
    errors = (_cycle_failed(CycleTrace.objects.filter(at__gte=since, agent__organization_id__in=orgs,
                                                      agent__status=AgentStatus.ACTIVE))
              .filter(supervised).filter(at__gt=watermark).values("agent_id").annotate(n=Count("id"))
              .filter(n__gte=least).order_by())
    found += [row["agent_id"] for row in errors[:limit]]
    dead = (Delivery.objects.filter(status=DeliveryStatus.DEAD, updated_at__gte=since,
                                    recipient__organization_id__in=orgs, recipient__status=AgentStatus.ACTIVE)
            .filter(scope_supervised("recipient")).filter(updated_at__gt=_watermark("recipient_id", since))
            .values("recipient_id").annotate(n=Count("id")).order_by())
    found += [row["recipient_id"] for row in dead[:limit]]
    timeout = datetime.timedelta(seconds=min(p.heartbeat_timeout_seconds for p in policies))
    found += _passed_over(list(AgentRuntime.objects.filter(
        agent__organization_id__in=orgs, agent__status=AgentStatus.ACTIVE, wake_at__lte=now - timeout)
        .filter(supervised).filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lte=now - timeout))
        .order_by("wake_at").values_list("agent_id", "wake_at")[:limit]), now=now, timeout=timeout)
    owed = Delivery.objects.filter(recipient_id=OuterRef("pk"), status__in=OWED, sent_at__lte=now - timeout)
    found += list(Agent.objects.filter(organization_id__in=orgs, kind=AgentKind.EXTERNAL, status=AgentStatus.ACTIVE)
                  .filter(scope_supervised())
                  .annotate(seen=Coalesce("heartbeat_at", "created_at")).filter(seen__lte=now - timeout)
                  .filter(Q(supervision__isnull=True) | Q(supervision__stale_since__isnull=True))
                  .filter(Exists(owed)).values_list("pk", flat=True)[:limit])
    # A stale spell that may be over (heard from since): the check clears it, so a later silence counts again.
    found += list(AgentSupervision.objects.filter(stale_since__isnull=False).filter(
        Q(agent__heartbeat_at__gt=F("stale_since")) | Q(agent__runtime__heartbeat_at__gt=F("stale_since")))
        .values_list("agent_id", flat=True)[:limit])
    unique = list(dict.fromkeys(found))
    return unique[:limit]


def _passed_over(due: list[tuple[Any, datetime.datetime]], *, now: datetime.datetime,
                 timeout: datetime.timedelta) -> list[Any]:
    """Of the agents due too long, those the workers have got past (see the module): two queries for all of them,
    so a backlog behind a dead worker pool costs a round nothing per agent."""
    if not due:
        return []
    oldest = (AgentEvent.objects.filter(agent_id__in=[pk for pk, _ in due], consumed_at__isnull=True)
              .aggregate(first=Min("id"))["first"])
    newest = frontier(now=now, timeout=timeout, after_event=oldest) if oldest is not None else None
    if newest is None:
        return []
    return [pk for pk, wake_at in due if wake_at + FRONTIER_MARGIN < newest]


def frontier(*, now: datetime.datetime, timeout: datetime.timedelta, after_event: int) -> datetime.datetime | None:
    """The newest creation time of an event the workers consumed within ``timeout`` (events after the id
    ``after_event`` only: the range the stale agents' oldest pending events start): how far they have got."""
    return (AgentEvent.objects.filter(pk__gt=after_event, consumed_at__gte=now - timeout)
            .aggregate(newest=Max("created_at"))["newest"])


def signals_of(agent: Agent, policy: SupervisorPolicy, state: AgentSupervision, *, now: datetime.datetime,
               runtime: AgentRuntime | None, runtime_free: bool) -> list[Signal]:
    """Everything that counts as a failure of ``agent`` since ``state.signals_since`` (read under its lock)."""
    window = datetime.timedelta(seconds=policy.failure_window_seconds)
    since = max(state.signals_since, now - window)
    out: list[Signal] = []
    failed = list(Intention.objects.filter(agent=agent, status=IntentionStatus.FAILED, finished_at__gt=since)
                  .order_by("-finished_at").values_list("error", flat=True)[:policy.failure_threshold + 10])
    if len(failed) >= policy.failure_threshold:
        errors = sorted({str((error or {}).get("error", "")) for error in failed} - {""})
        out.append(Signal(SupervisionEventKind.INTENTIONS_FAILING,
                          {"failed": len(failed), "window_seconds": policy.failure_window_seconds,
                           "threshold": policy.failure_threshold, "errors": errors[:10]}))
    errors = _cycle_failed(CycleTrace.objects.filter(agent=agent, at__gt=since)).count()
    if errors >= policy.failure_threshold:
        out.append(Signal(SupervisionEventKind.CYCLE_ERRORS,
                          {"errors": errors, "last_error": (runtime.last_error if runtime else "")[:500]}))
    dead = list(Delivery.objects.filter(recipient=agent, status=DeliveryStatus.DEAD,
                                        updated_at__gt=state.signals_since)
                .order_by("-updated_at").values_list("pk", "last_error")[:10])
    if dead:
        out.append(Signal(SupervisionEventKind.DEAD_LETTERS,
                          {"dead_letters": len(dead), "deliveries": [str(pk) for pk, _ in dead],
                           "last_error": dead[0][1][:500]}))
    stale = _stale(agent, policy, state, now=now, runtime=runtime, runtime_free=runtime_free)
    if stale is not None:
        out.append(stale)
    return out


def _stale(agent: Agent, policy: SupervisorPolicy, state: AgentSupervision, *, now: datetime.datetime,
           runtime: AgentRuntime | None, runtime_free: bool) -> Signal | None:
    timeout = datetime.timedelta(seconds=policy.heartbeat_timeout_seconds)
    if agent.kind == AgentKind.EXTERNAL:
        seen = agent.heartbeat_at or agent.created_at
        if state.stale_since is not None or seen > now - timeout:
            return None
        owed = Delivery.objects.filter(recipient=agent, status__in=OWED, sent_at__lte=now - timeout).count()
        if not owed:
            return None
        return Signal(SupervisionEventKind.HEARTBEAT_STALE,
                      {"heartbeat_at": agent.heartbeat_at.isoformat() if agent.heartbeat_at else None,
                       "timeout_seconds": policy.heartbeat_timeout_seconds, "deliveries_waiting": owed})
    if runtime is None or not runtime_free or runtime.wake_at is None or runtime.wake_at > now - timeout:
        return None
    if runtime.heartbeat_at is not None and runtime.heartbeat_at > now - timeout:
        return None
    oldest = (AgentEvent.objects.filter(agent=agent, consumed_at__isnull=True).order_by("id")
              .values_list("id", flat=True).first())
    if oldest is None:
        return None  # due for a timer only: nothing is waiting for it
    newest = frontier(now=now, timeout=timeout, after_event=oldest)
    if newest is None or newest <= runtime.wake_at + FRONTIER_MARGIN:
        return None  # the workers have not got past it: not its failure
    pending = AgentEvent.objects.filter(agent=agent, consumed_at__isnull=True).count()
    return Signal(SupervisionEventKind.HEARTBEAT_STALE,
                  {"heartbeat_at": runtime.heartbeat_at.isoformat() if runtime.heartbeat_at else None,
                   "due_since": runtime.wake_at.isoformat(), "timeout_seconds": policy.heartbeat_timeout_seconds,
                   "events_waiting": pending})
