"""The simulation's two tables: which organizations are simulated businesses, and the figures of each day.

- ``Simulation``: one per simulated organization (an organization *is* a simulation by having this row, and
  only then does the simulation touch it). ``hidden`` holds what the agents cannot see and must learn or
  live with (each campaign channel's success probability, the customers' mean daily orders, the sale
  price, the fixed monthly costs, the supplier's lead time), drawn from ``seed`` when the row is made;
  ``state`` the environment's own bookkeeping between days (goods in transit, the campaign it is judging,
  a campaign's lift on demand). The business's figures themselves are the agents' beliefs (docs/simulation.md).
  Written only by the services, the day's advance holding the row ``FOR UPDATE``.
- ``SimulationDay``: one row per simulated day, the figures after it: what the dashboard charts (cash,
  stock and orders over time). Unique per (simulation, day): a day is never recorded twice.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from agents.common.models import Timestamped, json_size_check
from agents.organization.models import Organization


class Simulation(Timestamped):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="simulation")
    seed = models.BigIntegerField(help_text="Draws the hidden parameters and every day's luck: the same seed, "
                                            "the same business.")
    day = models.PositiveIntegerField(default=0, help_text="The last simulated day (0: none yet).")
    hidden = models.JSONField(default=dict, blank=True,
                              help_text="What the agents cannot see: campaign odds per channel, mean daily orders, "
                                        "sale price, fixed monthly costs, the supplier's lead time.")
    state = models.JSONField(default=dict, blank=True,
                             help_text="The environment's bookkeeping between days: goods in transit, the campaign "
                                       "being judged, a campaign's lift.")
    enabled = models.BooleanField(default=True, help_text="Off: the beat leaves it alone and an advance is refused.")

    class Meta:
        app_label = "agents"
        ordering = ["organization__name"]
        constraints = [
            json_size_check("hidden", "simulation_hidden_size"),
            json_size_check("state", "simulation_state_size"),
        ]

    def __str__(self) -> str:
        return f"simulation of {self.organization}"


class SimulationDay(models.Model):
    """The figures at the end of one simulated day.

    ``cash`` is the CFO's ``finance.cash``; ``stock_on_hand`` and ``stock_on_order`` the COO's ``stock.on_hand``
    and ``stock.on_order``; ``orders`` the customer orders that came in that day (one unit each); ``revenue``
    what those that could be shipped from stock brought in; ``recorded_at`` when the day was simulated (real
    time: a simulated day lasts SIMULATION_DAY_SECONDS)."""

    id = models.BigAutoField(primary_key=True)
    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="days")
    day = models.PositiveIntegerField()
    cash = models.DecimalField(max_digits=14, decimal_places=2)
    stock_on_hand = models.IntegerField()
    stock_on_order = models.IntegerField()
    orders = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "agents"
        ordering = ["simulation_id", "day"]
        constraints = [
            models.UniqueConstraint(fields=["simulation", "day"], name="simulationday_one_per_day"),
            models.CheckConstraint(condition=Q(day__gte=1), name="simulationday_day_positive"),
        ]

    def __str__(self) -> str:
        return f"day {self.day}"
