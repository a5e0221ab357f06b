"""The admin registrations of every package (Django imports ``agents.admin`` by name)."""

from agents.agent import admin as agent_admin  # noqa: F401
from agents.keys import admin as keys_admin  # noqa: F401
from agents.learning import admin as learning_admin  # noqa: F401
from agents.messaging import admin as messaging_admin  # noqa: F401
from agents.organization import admin as organization_admin  # noqa: F401
from agents.protocols import admin as protocols_admin  # noqa: F401
from agents.reasoning.actions import admin as actions_admin  # noqa: F401
from agents.reasoning.approvals import admin as approvals_admin  # noqa: F401
from agents.reasoning.plans import admin as plans_admin  # noqa: F401
from agents.supervision import admin as supervision_admin  # noqa: F401
