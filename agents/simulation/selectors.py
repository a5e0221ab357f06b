"""Reads of the simulation: the figures over time that the dashboard charts, for the organizations a caller
may see (the caller decides which: the dashboard passes the organizations visible to the person asking)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from agents.common.errors import invalid
from agents.organization.models import Organization
from agents.simulation.models import Simulation, SimulationDay

#: The most days one series holds (a year of simulated days is 30 minutes at 5 s a day).
SERIES_MAX_DAYS = 366


@dataclass(frozen=True)
class SimulationSeries:
    """One simulated organization's recent days: ``days`` oldest first, at most the number asked for, each a
    ``SimulationDay`` (``day``, ``cash`` and ``revenue`` as Decimal, ``stock_on_hand``, ``stock_on_order``,
    ``orders``, ``recorded_at``)."""

    organization: Organization
    simulation: Simulation
    days: tuple[SimulationDay, ...]


def simulation_series(*, organizations: Iterable[Organization] | QuerySet[Organization], days: int = 60
                      ) -> list[SimulationSeries]:
    """For each of ``organizations`` that is a simulation and has simulated a day, its last ``days`` days,
    oldest first; the series ordered by organization name. One query, whatever the number of organizations and
    days: an index range per simulation (its days are numbered 1, 2, ...: the last ``days`` of them are those
    after ``simulation.day - days``), with the simulation and the organization joined in.

    ``days`` outside 1..366 is a 400 naming ``days``. Organizations the caller passes are not checked again:
    pass only those the person may see (``organizations_for(user)``)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= SERIES_MAX_DAYS:
        raise invalid("days", f"Must be a whole number from 1 to {SERIES_MAX_DAYS}.")
    rows = (SimulationDay.objects.filter(simulation__organization__in=organizations,
                                         day__gt=F("simulation__day") - days)
            .select_related("simulation__organization")
            .order_by("simulation__organization__name", "simulation_id", "day"))
    grouped: dict[Any, list[SimulationDay]] = {}
    for row in rows:
        grouped.setdefault(row.simulation_id, []).append(row)
    return [SimulationSeries(organization=found[0].simulation.organization, simulation=found[0].simulation,
                             days=tuple(found)) for found in grouped.values()]

def simulation_of(*, organization: Organization) -> Simulation | None:
    """The organization's simulation, or None: whether it is a simulated business."""
    return Simulation.objects.filter(organization=organization).first()
