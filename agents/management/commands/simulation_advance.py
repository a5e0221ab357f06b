"""Advance a simulated business by hand: ``simulation_advance --organization <slug or id> [--days N]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from agents.organization.models import Organization
from agents.organization.selectors import organization_named
from agents.simulation.services.days import SIMULATION, simulation_advance
from mabos.errors import DomainError

DAYS_MAX = 3650


def _organization(value: str) -> Organization:
    found = organization_named(value)
    if found is None:
        raise CommandError(f"--organization: no organization with the slug or id {value!r}.")
    return found


class Command(BaseCommand):
    help = ("Simulate the next day (or N days) of an organization marked as a simulation, whatever "
            "SIMULATION_ENABLED says; any other organization is refused and left untouched.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", required=True, help="The organization's slug or id.")
        parser.add_argument("--days", type=int, default=1, help=f"How many days, 1 to {DAYS_MAX} (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = _organization(options["organization"])
        if not 1 <= options["days"] <= DAYS_MAX:
            raise CommandError(f"--days: must be from 1 to {DAYS_MAX}, not {options['days']}.")
        for _ in range(options["days"]):
            try:
                row = simulation_advance(organization=organization, by=SIMULATION)
            except DomainError as refused:
                raise CommandError(refused.detail) from None
            self.stdout.write(f"day {row.day}: {row.orders} orders, revenue {row.revenue}, cash {row.cash}, "
                              f"stock {row.stock_on_hand} on hand and {row.stock_on_order} on order")
