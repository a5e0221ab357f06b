"""The agents domain: organizations, roles, agents, groups, BDI state, API keys, grants."""

from agents.models.agent import LIFECYCLE_ACTIONS, NOT_RUNNING, TRANSITIONS, Agent, AgentKind, AgentRole, AgentStatus
from agents.models.base import JSON_MAX_CHARS, SLUG_REGEX
from agents.models.bdi import BELIEF_KEY_REGEX, Belief, Goal, GoalKind, GoalStatus
from agents.models.grants import (
    AgentGroupObjectPermission,
    AgentUserObjectPermission,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)
from agents.models.groups import AgentGroup, Membership, MembershipRole
from agents.models.keys import AgentApiKey
from agents.models.messaging import (
    DELIVERY_TRANSITIONS,
    DeadLetter,
    Delivery,
    DeliveryStatus,
    InboxEvent,
    Message,
    Performative,
    Subscription,
)
from agents.models.organization import Organization

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
    "Subscription",
]
