"""The supervision check the beat runs: find agents due for a look, claim each, read its signals, act.

Each candidate is handled in its own transaction that starts by claiming the agent's supervision row with
``FOR UPDATE SKIP LOCKED``: two beat processes started by mistake, or a slow check overlapping the next one,
never handle one agent twice; the second skips it, and when it next looks, the watermark the first moved
means the same failures no longer count. Under the claim: the agent row, then (``SKIP LOCKED``) its runtime
row; an agent a reasoning batch holds right now is left for the next check.

The decision, OTP's: a failure of an agent with restarts left in its period (``intensity`` per
``period_seconds``) schedules a restart of it (``one_for_one``), of every member of its group
(``one_for_all``) or of it and those that joined after it (``rest_for_one``), after a back-off that doubles
with each restart in the period (``backoff_min_seconds`` up to ``backoff_max_seconds``, varied by
``backoff_jitter``). Past the intensity, or for a ``temporary`` agent: escalate, and the agent stays
``failed``. A ``transient`` agent is restarted for failures, but a stale heartbeat alone is only reported.
External agents cannot be restarted by MABOS: their signals are reported (the health page, the events).
"""

from __future__ import annotations

import datetime
import logging
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import OperationalError, transaction
from django.utils import timezone

from agents.agent.models import Agent, AgentKind, AgentStatus
from agents.common.audit import record
from agents.reasoning.runtime.models import AgentRuntime
from agents.reasoning.runtime.services import runtimes_try_lock
from agents.supervision.metrics import event_counted
from agents.supervision.models import (
    AgentSupervision,
    RestartType,
    Strategy,
    SupervisionEvent,
    SupervisionEventKind,
    SupervisorPolicy,
)
from agents.supervision.scope import escalation_of, policies_of, siblings
from agents.supervision.services.restarts import (
    SYSTEM,
    Busy,
    agent_escalate,
    agent_restart_now,
    agent_stop_for_restart,
    restarted_within,
)
from agents.supervision.services.signals import Signal, candidates, signals_of
from auditlog.models import Action

logger = logging.getLogger(__name__)
CHECK_LIMIT = 200


@dataclass
class CheckResult:
    checked: int = 0
    signals: int = 0
    restarts_scheduled: int = 0
    restarted: int = 0
    escalated: int = 0
    skipped: int = 0
    kinds: dict[str, int] = field(default_factory=dict)

    def add(self, other: CheckResult) -> None:
        for name in ("checked", "signals", "restarts_scheduled", "restarted", "escalated", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for kind, count in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + count

    def as_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "signals": self.signals, "restarts_scheduled": self.restarts_scheduled,
                "restarted": self.restarted, "escalated": self.escalated, "skipped": self.skipped}


def backoff_seconds(policy: SupervisorPolicy, restarts_before: int, *, rng: random.Random | None = None) -> float:
    """min * 2^n, at most max, varied by up to +-jitter of itself (and still at most max)."""
    base = min(policy.backoff_max_seconds, policy.backoff_min_seconds * (2 ** min(restarts_before, 30)))
    spread = base * policy.backoff_jitter
    varied = base + (rng or random).uniform(-spread, spread) if spread else base
    return max(0.0, min(policy.backoff_max_seconds, varied))


def _event(agent: Agent, policy: SupervisorPolicy | None, kind: str, detail: dict[str, Any]) -> SupervisionEvent:
    event = SupervisionEvent.objects.create(organization_id=agent.organization_id, agent=agent, policy=policy,
                                            kind=kind, detail=detail)
    event_counted(kind=kind, policy=policy, detail=detail)  # /metrics, on commit
    return event


def supervision_check(*, limit: int = CHECK_LIMIT, now: datetime.datetime | None = None) -> CheckResult:
    """One round of the beat: at most ``limit`` agents, each in its own transaction."""
    now = now or timezone.now()
    result = CheckResult()
    policies = list(SupervisorPolicy.objects.all())
    ids = candidates(now=now, policies=policies, limit=limit)
    if not ids:
        return result
    AgentSupervision.objects.bulk_create([AgentSupervision(agent_id=pk, signals_since=now - _lookback(policies))
                                          for pk in ids], ignore_conflicts=True)
    policy_of = policies_of(ids)
    for agent_id in ids:
        turn = CheckResult()  # counted into the round only if the turn commits
        try:
            with transaction.atomic():
                _check_one(agent_id, policy_of.get(agent_id), now=now, result=turn)
        except Busy:
            turn = CheckResult(skipped=1)
        except OperationalError as error:  # a deadlock or lock timeout ends this agent's turn, not the round
            logger.warning("supervision check of agent %s rolled back: %s", agent_id, error)
            turn = CheckResult(skipped=1)
        except Exception:  # a bug on one agent's data must not stop every other agent's supervision
            logger.exception("supervision check of agent %s failed; rolled back, tried again next round", agent_id)
            turn = CheckResult(skipped=1)
        result.add(turn)
    if result.restarts_scheduled or result.restarted or result.escalated:
        logger.info("supervision: %s", result.as_dict())
    return result


def _lookback(policies: list[SupervisorPolicy]) -> datetime.timedelta:
    return datetime.timedelta(seconds=max([p.failure_window_seconds for p in policies] + [1]))


def _check_one(agent_id: Any, policy: SupervisorPolicy | None, *, now: datetime.datetime,
               result: CheckResult) -> None:
    state = AgentSupervision.objects.select_for_update(skip_locked=True).filter(agent_id=agent_id).first()
    if state is None:
        result.skipped += 1  # another check holds it
        return
    agent = (Agent.objects.select_for_update(of=("self",)).select_related("organization", "role")
             .filter(pk=agent_id).first())
    if agent is None:
        return
    result.checked += 1
    if state.restart_at is not None:
        if state.restart_at <= now:
            _restart_due(agent, state, policy, now=now, result=result)
        return  # a restart is waiting for its back-off: the agent is failed, nothing else counts
    if policy is None or agent.status != AgentStatus.ACTIVE:
        return
    if state.stale_since is not None and _heard_from(agent, policy, now=now):
        state.stale_since = None  # the spell is over: a later silence is reported again
        state.save(update_fields=["stale_since", "updated_at"])
    # The runtime row is read after the try-lock: held by us, it is as the last batch left it.
    free = agent.kind == AgentKind.INTERNAL and agent.pk in runtimes_try_lock([agent.pk])
    runtime = AgentRuntime.objects.filter(agent=agent).first() if agent.kind == AgentKind.INTERNAL else None
    found = signals_of(agent, policy, state, now=now, runtime=runtime, runtime_free=free)
    if not found:
        return
    for signal in found:
        _event(agent, policy, signal.kind, signal.detail)
        result.kinds[signal.kind] = result.kinds.get(signal.kind, 0) + 1
    result.signals += len(found)
    state.signals_since = now
    state.last_failure = {"kinds": [s.kind for s in found], **found[0].detail}
    state.last_failure_at = now
    stale_only = all(s.kind == SupervisionEventKind.HEARTBEAT_STALE for s in found)
    if any(s.kind == SupervisionEventKind.HEARTBEAT_STALE for s in found):
        state.stale_since = now
    if agent.kind == AgentKind.EXTERNAL or (stale_only and policy.restart == RestartType.TRANSIENT):
        state.save()
        return  # reported only
    _decide(agent, state, policy, found, now=now, result=result)


def _heard_from(agent: Agent, policy: SupervisorPolicy, *, now: datetime.datetime) -> bool:
    seen = agent.heartbeat_at if agent.kind == AgentKind.EXTERNAL else AgentRuntime.objects.filter(
        agent=agent).values_list("heartbeat_at", flat=True).first()
    return seen is not None and seen > now - datetime.timedelta(seconds=policy.heartbeat_timeout_seconds)


def _decide(agent: Agent, state: AgentSupervision, policy: SupervisorPolicy, found: list[Signal], *,
            now: datetime.datetime, result: CheckResult) -> None:
    why = ", ".join(s.kind for s in found)
    restarts = restarted_within(state.restarts, now=now, period_seconds=policy.period_seconds)
    if policy.restart == RestartType.TEMPORARY or len(restarts) >= policy.intensity:
        agent_stop_for_restart(agent=agent, policy=policy, why=why, now=now, restart_at=None)
        target = escalation_of(agent.pk, agent.supervisor_id, policy)
        detail = {"restarts": len(restarts), "intensity": policy.intensity, "period_seconds": policy.period_seconds,
                  "signals": [s.kind for s in found]}
        sent = agent_escalate(agent=agent, target=target, why=why, detail=detail, now=now)
        _event(agent, policy, SupervisionEventKind.ESCALATED, {**detail, **sent})
        state.restarts, state.escalated_at, state.restart_at, state.backoff_seconds = restarts, now, None, 0.0
        state.save()
        record(action=Action.UPDATE, by=SYSTEM, target=agent, changes={"escalated": [None, sent]},
               note=f"supervision: escalated after {len(restarts)} restarts in {policy.period_seconds} s")
        result.escalated += 1
        return
    backoff = backoff_seconds(policy, len(restarts))
    restart_at = now + datetime.timedelta(seconds=backoff)
    agent_stop_for_restart(agent=agent, policy=policy, why=why, now=now, restart_at=restart_at)
    state.restarts = [*restarts, now.isoformat()]
    state.restart_at, state.backoff_seconds = restart_at, backoff
    state.save()
    detail = {"strategy": policy.strategy, "backoff_seconds": round(backoff, 3), "restart_at": restart_at.isoformat(),
              "restarts_in_period": len(state.restarts), "intensity": policy.intensity,
              "signals": [s.kind for s in found]}
    _event(agent, policy, SupervisionEventKind.RESTART_SCHEDULED, {**detail, "cause": str(agent.pk)})
    result.restarts_scheduled += 1
    for other in _covered(agent, policy):
        _stop_sibling(other, cause=agent, policy=policy, why=why, now=now, restart_at=restart_at, detail=detail,
                      result=result)


def _covered(agent: Agent, policy: SupervisorPolicy) -> list[Any]:
    """The other agents the strategy restarts with ``agent``, in join order."""
    if policy.strategy == Strategy.ONE_FOR_ONE:
        return []
    order = siblings(policy)
    if policy.strategy == Strategy.REST_FOR_ONE:
        order = order[order.index(agent.pk) + 1:] if agent.pk in order else []
    return [pk for pk in order if pk != agent.pk]


def _stop_sibling(agent_id: Any, *, cause: Agent, policy: SupervisorPolicy, why: str, now: datetime.datetime,
                  restart_at: datetime.datetime, detail: dict[str, Any], result: CheckResult) -> None:
    """Stop one sibling for the same restart. One another check holds is left to it; one a reasoning batch holds
    right now raises ``Busy``: the whole decision rolls back and the next check takes it again, so a strategy
    never restarts only part of its group."""
    AgentSupervision.objects.bulk_create([AgentSupervision(agent_id=agent_id, signals_since=now)],
                                         ignore_conflicts=True)
    with transaction.atomic():
        state = AgentSupervision.objects.select_for_update(skip_locked=True).filter(agent_id=agent_id).first()
        if state is None or state.restart_at is not None:
            return
        # Never wait for a sibling's row while holding the cause's: a batch holding the sibling may be waiting
        # for the cause's row (a delivery's foreign key). Held: the whole decision is tried again next check.
        agent = (Agent.objects.select_for_update(of=("self",), skip_locked=True)
                 .select_related("organization", "role").filter(pk=agent_id).first())
        if agent is None:
            if Agent.objects.filter(pk=agent_id).exists():
                raise Busy(agent_id)
            return
        if agent.status != AgentStatus.ACTIVE or agent.kind != AgentKind.INTERNAL:
            return
        agent_stop_for_restart(agent=agent, policy=policy, why=f"{policy.strategy} after {cause.name}: {why}",
                               now=now, restart_at=restart_at)
        state.restart_at, state.backoff_seconds, state.signals_since = restart_at, detail["backoff_seconds"], now
        state.save()
        _event(agent, policy, SupervisionEventKind.RESTART_SCHEDULED, {**detail, "cause": str(cause.pk)})
        result.restarts_scheduled += 1


def _restart_due(agent: Agent, state: AgentSupervision, policy: SupervisorPolicy | None, *,
                 now: datetime.datetime, result: CheckResult) -> None:
    adopted = agent_restart_now(agent=agent, now=now)
    state.restart_at, state.signals_since = None, now
    state.save()
    if adopted is not None:
        _event(agent, policy, SupervisionEventKind.RESTARTED,
               {"backoff_seconds": round(state.backoff_seconds, 3), "goals_adopted": adopted,
                "restarts_in_period": len(state.restarts)})
        result.restarted += 1
