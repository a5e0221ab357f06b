"""Celery task of the simulation: a thin door into the tick (queue ``default``, every SIMULATION_DAY_SECONDS)."""

from __future__ import annotations

from celery import shared_task

from agents.simulation.services.days import simulations_tick


@shared_task(name="agents.advance_simulations", acks_late=True, ignore_result=True)
def advance_simulations() -> dict:
    """Beat: every simulated business that is on lives one more day, if SIMULATION_ENABLED (docs/simulation.md)."""
    return simulations_tick().as_dict()
