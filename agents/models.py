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
from agents.learning.models import (
    GroupLearning,
    LearningRollup,
    PlanOutcome,
    PlanStats,
    PolicyName,
    Scope,
    SelectionPolicy,
)
from agents.messaging.models import (
    DELIVERY_TRANSITIONS,
    DeadLetter,
    Delivery,
    DeliveryStatus,
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
from agents.protocols.models import ProtocolRun, ProtocolSession, ProtocolSubscription
from agents.reasoning.actions.models import ActionRequest, ActionStatus
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from agents.reasoning.events.models import AgentEvent, EventKind, EventSource
from agents.reasoning.intentions.models import Intention, IntentionStatus
from agents.reasoning.models import Belief, Goal, GoalStatus, Plan, PlanAdoption, PlanVersion, TriggerKind
from agents.reasoning.runtime.models import AgentRuntime
from agents.reasoning.trace.models import CycleTrace
from agents.simulation.models import Simulation, SimulationDay
from agents.supervision.models import (
    AgentSupervision,
    EscalateTo,
    RestartType,
    Strategy,
    SupervisionEvent,
    SupervisionEventKind,
    SupervisorPolicy,
)

__all__ = [
    "BELIEF_KEY_REGEX",
    "DELIVERY_TRANSITIONS",
    "JSON_MAX_CHARS",
    "LIFECYCLE_ACTIONS",
    "NOT_RUNNING",
    "SLUG_REGEX",
    "TRANSITIONS",
    "ActionRequest",
    "ActionStatus",
    "Agent",
    "AgentApiKey",
    "AgentEvent",
    "AgentGroup",
    "AgentGroupObjectPermission",
    "AgentKind",
    "AgentRole",
    "AgentRuntime",
    "AgentStatus",
    "AgentSupervision",
    "AgentUserObjectPermission",
    "ApprovalRequest",
    "ApprovalStatus",
    "Belief",
    "CycleTrace",
    "DeadLetter",
    "Delivery",
    "DeliveryStatus",
    "EscalateTo",
    "EventKind",
    "EventSource",
    "Goal",
    "GoalKind",
    "GoalStatus",
    "GroupLearning",
    "Intention",
    "IntentionStatus",
    "LearningRollup",
    "Membership",
    "MembershipRole",
    "Message",
    "Organization",
    "OrganizationGroupObjectPermission",
    "OrganizationUserObjectPermission",
    "Performative",
    "Plan",
    "PlanAdoption",
    "PlanOutcome",
    "PlanStats",
    "PlanVersion",
    "PolicyName",
    "ProtocolRun",
    "ProtocolSession",
    "ProtocolSubscription",
    "RestartType",
    "Scope",
    "SelectionPolicy",
    "Simulation",
    "SimulationDay",
    "Strategy",
    "Subscription",
    "SupervisionEvent",
    "SupervisionEventKind",
    "SupervisorPolicy",
    "TriggerKind",
]
