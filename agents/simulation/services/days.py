"""Advancing a simulated business by one day: read what its agents believe, run the day, tell them.

A day is one transaction, in this order (the lock order of docs/reasoning.md: runtime rows before the audit
chain, rows in id order):

1. the ``Simulation`` row ``FOR UPDATE`` (the beat's tick: ``SKIP LOCKED``, so a second tick at the same
   moment skips it instead of simulating the same day again), refused unless it is marked and on;
2. the runtime rows of the agents the day writes to ``FOR UPDATE``, in agent id order: a reasoning batch
   holding one of them commits first, and none starts on them until the day commits, so the beliefs read next
   are what the agents hold and nothing a cycle writes meanwhile is lost (the COO adds to ``stock.on_order``
   when it buys; the day takes arrivals off it);
3. the beliefs, one query; ``environment.day_run``; the changes written through reasoning's belief services
   (``beliefs_perceive``: the checks, row locks, belief events and wake of ``belief_upsert``), as a real
   integration would write them through the API;
4. the ``SimulationDay`` row, the simulation's new day and state, and ONE audit event naming every belief it
   changed.

Messages: the day sends none. MABOS has no system sender for agents' mail (``message_send`` speaks as an agent
or as a person; only a dead letter's notice comes from MABOS itself), and the plan libraries take everything
the environment tells them as beliefs (docs/libraries.md, "What an environment writes and reads").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.agent.models import Agent, AgentKind
from agents.common.audit import record
from agents.common.errors import NotASimulation
from agents.organization.models import Organization
from agents.reasoning.models import Belief
from agents.reasoning.runtime.models import AgentRuntime
from agents.reasoning.services.beliefs import BeliefWrite, beliefs_perceive
from agents.simulation.environment import START, Books, Day, calendar_of, day_run
from agents.simulation.models import Simulation, SimulationDay
from auditlog.actors import Actor
from auditlog.models import Action
from mabos.runtime_settings import runtime_value

logger = logging.getLogger("agents.simulation")

#: Who the day's belief changes and its audit event are from.
SIMULATION = Actor.system("simulation")
#: The roles whose agents hold the business's figures, and the beliefs the day reads from them.
ROLE_KEYS = {
    "cfo": ("finance.cash", "finance.monthly_burn"),
    "coo": ("stock.on_hand", "stock.on_order", "operations.monthly_spend", "stock.last_supplier"),
    "cmo": ("marketing.monthly_spend", "marketing.active_campaign"),
}
SUPPLIER_KEYS = ("supplier.name", "supplier.unit_price")


def simulation_enabled() -> bool:
    """SIMULATION_ENABLED: an administrator's runtime override if there is one, else the environment's value
    (docs/configuration.md), read on every tick so that switching it off stops the next day."""
    return bool(runtime_value("SIMULATION_ENABLED"))


def simulation_advance(*, organization: Organization, by: Any) -> SimulationDay:
    """Simulate the next day of ``organization``; the day's figures.

    Refused with ``NotASimulation`` (409 naming ``organization``, nothing written) unless the organization is
    marked as a simulation and its simulation is on. Two calls at once simulate two consecutive days: the
    second waits for the first's row lock, then simulates the day after it.
    """
    with transaction.atomic():
        simulation = (Simulation.objects.select_for_update(of=("self",)).select_related("organization")
                      .filter(organization=organization).first())
        if simulation is None or not simulation.enabled:
            raise NotASimulation(organization, disabled=simulation is not None)
        return _advance(simulation, by)


@dataclass(frozen=True)
class Tick:
    """What one beat tick did: whether the setting was on, days simulated, simulations skipped (held by another
    tick, or advanced less than half a day ago), and simulations whose day failed (logged; the others went on)."""

    enabled: bool
    advanced: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "advanced": self.advanced, "skipped": self.skipped, "failed": self.failed}


def simulations_tick(*, by: Any = SIMULATION, min_interval: float | None = None) -> Tick:
    """The beat's tick: every simulation that is on advances one day, each in its own transaction.

    Nothing at all when SIMULATION_ENABLED is off. A simulation another tick holds is skipped (``SKIP LOCKED``),
    and so is one advanced less than ``min_interval`` seconds ago (default: half a simulated day), checked again
    under the lock: two ticks at once, two beats by mistake or a backlog of ticks never run the calendar
    faster than one day per SIMULATION_DAY_SECONDS, and never simulate the same day twice.
    """
    if not simulation_enabled():
        return Tick(enabled=False)
    if min_interval is None:
        min_interval = float(settings.SIMULATION["DAY_SECONDS"]) / 2
    cutoff = timezone.now() - timedelta(seconds=min_interval)
    advanced = skipped = failed = 0
    for pk in Simulation.objects.filter(enabled=True).order_by("pk").values_list("pk", flat=True):
        try:
            with transaction.atomic():
                simulation = (Simulation.objects.select_for_update(of=("self",), skip_locked=True)
                              .select_related("organization").filter(pk=pk, enabled=True).first())
                if simulation is None or (simulation.day and simulation.updated_at > cutoff):
                    skipped += 1
                    continue
                _advance(simulation, by)
                advanced += 1
        except Exception:  # one broken simulation must not stop the others: logged, retried next tick
            logger.exception("simulation %s: the day failed", pk)
            failed += 1
    return Tick(enabled=True, advanced=advanced, skipped=skipped, failed=failed)


# --------------------------------------------------------------------------------------------- one day
def _figure(held: dict[str, Any], state: dict[str, Any], key: str) -> Any:
    """A figure as the agent holding it believes it, else the simulation's own copy, else its start."""
    if key in held:
        return held[key]
    return state.get("books", {}).get(key, START[key])


def _number(value: Any, fallback: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else fallback


def _plain(value: float) -> float | int:
    """A whole amount as an integer: beliefs are compared as JSON, where 30000 and 30000.0 are two values, and a
    burn that did not change must not look changed."""
    return int(value) if float(value).is_integer() else value


def _advance(simulation: Simulation, by: Any) -> SimulationDay:
    """The day after ``simulation.day``, the row held ``FOR UPDATE`` by the caller's transaction."""
    day = simulation.day + 1
    agents = list(Agent.objects.filter(organization_id=simulation.organization_id).select_related("role")
                  .order_by("slug"))
    holders = {}
    for agent in agents:  # the first agent of each role (by slug) holds its figures
        if agent.role.slug in ROLE_KEYS and agent.role.slug not in holders:
            holders[agent.role.slug] = agent
    starts = calendar_of(day)
    writers = {agent.pk: agent for agent in holders.values()}
    if starts:
        writers.update({agent.pk: agent for agent in agents if agent.kind == AgentKind.INTERNAL})
    list(AgentRuntime.objects.select_for_update().filter(agent_id__in=list(writers)).order_by("agent_id")
         .values_list("pk", flat=True))

    keys = {key for keys in ROLE_KEYS.values() for key in keys} | set(SUPPLIER_KEYS)
    beliefs: dict[Any, dict[str, Any]] = {agent.pk: {} for agent in agents}
    for agent_id, key, value in Belief.objects.filter(agent__organization_id=simulation.organization_id,
                                                      key__in=keys).values_list("agent_id", "key", "value"):
        beliefs[agent_id][key] = value
    held = {key: beliefs[holder.pk][key] for role, holder in holders.items() for key in ROLE_KEYS[role]
            if key in beliefs[holder.pk]}
    state = simulation.state or {}
    books = _books(held, state, beliefs)
    outcome = day_run(seed=simulation.seed, day=day, hidden=simulation.hidden, state=state, books=books)

    writes = _writes(outcome, holders)
    writes += [BeliefWrite(agent=agent, key=key, value=value) for agent in writers.values()
               for key, value in starts.items()]
    changes = beliefs_perceive(writes=writes, by=by, source="simulation")

    before_day = simulation.day
    simulation.day = day
    books_after = {"finance.cash": outcome.cash, "finance.monthly_burn": outcome.monthly_burn,
                   "stock.on_hand": outcome.on_hand, "stock.on_order": outcome.on_order,
                   "operations.monthly_spend": books.operations_spend, "marketing.monthly_spend": books.marketing_spend}
    simulation.state = {**outcome.state, "books": books_after}
    simulation.save(update_fields=["day", "state", "updated_at"])
    row = SimulationDay.objects.create(simulation=simulation, day=day, cash=Decimal(str(outcome.cash)),
                                       stock_on_hand=outcome.on_hand, stock_on_order=outcome.on_order,
                                       orders=outcome.orders, revenue=Decimal(str(outcome.revenue)))
    record(action=Action.UPDATE, by=by, target=simulation, target_repr=str(simulation),
           changes={"day": [before_day, day],
                    **{f"{change.agent.slug}:{change.key}": [change.before, change.after] for change in changes}},
           note=_summary(outcome))
    return row


def _books(held: dict[str, Any], state: dict[str, Any], beliefs: dict[Any, dict[str, Any]]) -> Books:
    """The day's starting figures, and the unit price of the supplier the COO last bought from."""
    def figure(key: str) -> float:
        return _number(_figure(held, state, key), float(START[key]))

    last_supplier = held.get("stock.last_supplier")
    price = None
    if last_supplier:
        for supplier in beliefs.values():
            if supplier.get("supplier.name") == last_supplier and "supplier.unit_price" in supplier:
                price = _number(supplier["supplier.unit_price"], 0.0) or None
                break
    return Books(cash=figure("finance.cash"), monthly_burn=figure("finance.monthly_burn"),
                 operations_spend=figure("operations.monthly_spend"), marketing_spend=figure("marketing.monthly_spend"),
                 on_hand=int(figure("stock.on_hand")), on_order=int(figure("stock.on_order")),
                 active_campaign=held.get("marketing.active_campaign"), supplier_price=price)


def _writes(outcome: Day, holders: dict[str, Agent]) -> list[BeliefWrite]:
    """What the day tells the agents holding the figures (beliefs_perceive leaves out what did not change)."""
    told = {"cfo": {"finance.cash": _plain(outcome.cash), "finance.monthly_burn": _plain(outcome.monthly_burn)},
            "coo": {"stock.on_hand": outcome.on_hand, "stock.on_order": outcome.on_order}}
    if outcome.campaign_result is not None:
        told["cmo"] = {"marketing.campaign_result": outcome.campaign_result}
    return [BeliefWrite(agent=holders[role], key=key, value=value)
            for role, values in told.items() if role in holders for key, value in values.items()]


def _summary(outcome: Day) -> str:
    campaign = ""
    if outcome.campaign_result is not None:
        result = outcome.campaign_result
        campaign = f"; the {result['channel']} campaign {'succeeded' if result['success'] else 'failed'}"
    return (f"simulated day {outcome.day}: {outcome.orders} orders, {outcome.shipped} shipped for "
            f"{outcome.revenue:g}, {outcome.arrived} units arrived for {outcome.payments:g}, cash "
            f"{outcome.cash:g}{campaign}")
