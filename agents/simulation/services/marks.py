"""Marking an organization as a simulated business, switching its simulation off and on, unmarking it.

An organization is a simulation only by having a ``Simulation`` row: these services are the only writers of
that row's existence and switch, each one transaction with its audit event. Onboarding never marks anything;
``seed_demo`` marks the demo.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from agents.common.audit import created, record
from agents.common.errors import invalid
from agents.organization.models import Organization
from agents.simulation.environment import hidden_draw
from agents.simulation.models import Simulation
from auditlog.models import Action

MARK_FIELDS = ("organization", "seed", "enabled", "hidden")
#: Seeds are stored as PostgreSQL bigint.
SEED_MAX = 2**63 - 1


@transaction.atomic
def simulation_mark(*, organization: Organization, seed: int, by: Any) -> Simulation:
    """Mark ``organization`` as a simulated business: its hidden parameters drawn from ``seed``, day 0, on.

    Already marked: a 400 naming ``organization`` (marking twice would silently keep or lose a seed).
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not -SEED_MAX <= seed <= SEED_MAX:
        raise invalid("seed", "Must be a whole number.")
    try:
        with transaction.atomic():
            simulation = Simulation.objects.create(organization=organization, seed=seed, hidden=hidden_draw(seed))
    except IntegrityError:
        raise invalid("organization", f"Organization {organization} is already marked as a simulation.") from None
    record(action=Action.CREATE, by=by, target=simulation, changes=created(simulation, MARK_FIELDS),
           note="marked as a simulated business")
    return simulation


@transaction.atomic
def simulation_switch(*, simulation: Simulation, enabled: bool, by: Any) -> Simulation:
    """Switch a simulation off (the beat leaves it alone, an advance is refused) or on again; audited when it
    changes."""
    locked = Simulation.objects.select_for_update().get(pk=simulation.pk)
    if locked.enabled != enabled:
        before = locked.enabled
        locked.enabled = enabled
        locked.save(update_fields=["enabled", "updated_at"])
        record(action=Action.UPDATE, by=by, target=locked, changes={"enabled": [before, enabled]})
    return locked


@transaction.atomic
def simulation_unmark(*, simulation: Simulation, by: Any) -> None:
    """The organization is no simulation any more: its row and its days go (the agents keep their beliefs)."""
    locked = Simulation.objects.select_for_update().get(pk=simulation.pk)
    record(action=Action.DELETE, by=by, target=locked, changes={"day": [locked.day, None]},
           note="no longer a simulated business")
    locked.delete()
