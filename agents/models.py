"""The agents domain: organizations, roles, agents, groups, BDI state, API keys, grants."""

from agents.agent.models import (
    LIFECYCLE_ACTIONS,
    NOT_RUNNING,
    TRANSITIONS,
    Agent,
    AgentGroup,
    AgentGroupObjectPermission,
    AgentKind,
    AgentStatus,
    AgentUserObjectPermission,
    Membership,
    MembershipRole,
)
from agents.common.goal_kinds import GoalKind
from agents.common.limits import BELIEF_KEY_REGEX, JSON_MAX_CHARS, SLUG_REGEX
from agents.keys.models import AgentApiKey
from agents.messaging.models import (
    DELIVERY_TRANSITIONS,
    DeadLetter,
    Delivery,
    DeliveryStatus,
    InboxEvent,
    Message,
    Performative,
    Subscription,
)
from agents.organization.models import (
    AgentRole,
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)
from agents.reasoning.models import Belief, Goal, GoalStatus, Plan, PlanVersion, TriggerKind

__all__ = [
    "BELIEF_KEY_REGEX",
    "DELIVERY_TRANSITIONS",
    "JSON_MAX_CHARS",
    "LIFECYCLE_ACTIONS",
    "NOT_RUNNING",
    "SLUG_REGEX",
    "TRANSITIONS",
    "Agent",
    "AgentApiKey",
    "AgentGroup",
    "AgentGroupObjectPermission",
    "AgentKind",
    "AgentRole",
    "AgentStatus",
    "AgentUserObjectPermission",
    "Belief",
    "DeadLetter",
    "Delivery",
    "DeliveryStatus",
    "Goal",
    "GoalKind",
    "GoalStatus",
    "InboxEvent",
    "Membership",
    "MembershipRole",
    "Message",
    "Organization",
    "OrganizationGroupObjectPermission",
    "OrganizationUserObjectPermission",
    "Performative",
    "Plan",
    "PlanVersion",
    "Subscription",
    "TriggerKind",
]
