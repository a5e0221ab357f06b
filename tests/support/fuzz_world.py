"""The data the API fuzz runs against: one of every object, so generated path parameters can hit real rows.

Rows are written with factories and services as the other tests do. Deliveries
are moved to ``delivered`` and ``dead`` directly: the fuzz needs an inbox and a
dead letter to exist, not a worker to have made them.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.utils import timezone

from agents.agent.services.groups import membership_add
from agents.keys.services import agent_key_create
from agents.learning.services.policies import selection_policy_create
from agents.messaging.services.send import message_send
from agents.messaging.services.subscriptions import subscription_create
from agents.models import AgentKind, Belief, Delivery, DeliveryStatus
from agents.organization.services.organizations import organization_grant
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from agents.reasoning.services.goals import goal_create
from agents.supervision.models import SupervisionEvent
from agents.supervision.services.policies import policy_create
from auditlog.actors import Actor
from tests.support.api import create_user, tokens_for
from tests.support.factories import AgentFactory, AgentGroupFactory, AgentRoleFactory, OrganizationFactory

SYSTEM = Actor.system("fuzz")


@dataclasses.dataclass
class World:
    """Real ids by the name of the path parameter or body field that takes them."""

    headers: dict[str, dict[str, str]]
    path: dict[str, dict[str, str]]  # path template -> {parameter: value}
    refs: dict[str, Any]  # body/query field -> a real value


def world_build() -> World:
    operator = create_user(roles=("operator",))
    org = OrganizationFactory()
    organization_grant(organization=org, user=operator, verbs=("view", "change", "operate", "delete"), by=SYSTEM)
    role = AgentRoleFactory(organization=org)
    alice = AgentFactory(organization=org, role=role)
    external = AgentFactory(organization=org, role=role, kind=AgentKind.EXTERNAL)
    key, raw_key = agent_key_create(agent=external, by=SYSTEM, name="fuzz")
    group = AgentGroupFactory(organization=org)
    membership_add(group=group, agent=alice, by=SYSTEM)
    Belief.objects.create(agent=external, key="stock.level", value=3, confidence=0.9, source="fuzz")
    goal = goal_create(agent=external, name="Sync inventory", by=SYSTEM)
    subscription = subscription_create(agent=external, topic_pattern="orders.*", by=SYSTEM)
    message = message_send(organization=org, by=SYSTEM, performative="inform", sender_agent=alice,
                           content={"hello": "world"}, to=[external.pk]).message
    delivery = Delivery.objects.get(message=message, recipient=external)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DELIVERED,
                                                     lease_until=timezone.now() + datetime.timedelta(hours=1))
    dead_message = message_send(organization=org, by=SYSTEM, performative="request", sender_agent=external,
                                content={"do": "it"}, to=[alice.pk]).message
    dead = Delivery.objects.get(message=dead_message, recipient=alice)
    Delivery.objects.filter(pk=dead.pk).update(status=DeliveryStatus.DEAD, last_error="fuzz: refused")
    policy = policy_create(organization=org, group=group, by=SYSTEM)
    # The event names the policy: deleting either (or the group) must keep the log (the trigger lets the SET NULL by).
    event = SupervisionEvent.objects.create(organization=org, agent=alice, policy=policy, kind="restarted",
                                            detail={"backoff_seconds": 1.0})
    selection_policy = selection_policy_create(organization=org, trigger_kind="goal_added", trigger_name="fuzz",
                                               policy="thompson", by=SYSTEM)
    plan = plan_create(document=text_to_plans("+!fuzz <- +fuzzed(true).")[0], organization=org, by=SYSTEM)
    administrator = create_user(roles=("administrator",))
    tokens = tokens_for(operator)
    other_session = tokens_for(operator)["sid"]  # revoking it must not end the fuzz's own session

    agent_paths = {"id": str(external.pk)}
    return World(
        headers={"operator": {"Authorization": f"Bearer {tokens['access']}"},
                 "agent_key": {"Authorization": f"Agent {raw_key}"},
                 "administrator": {"Authorization": f"Bearer {tokens_for(administrator)['access']}"}},
        path={
            "/api/v1/agents/{id}/": agent_paths,
            "/api/v1/agents/{id}/beliefs/{key}/": {**agent_paths, "key": "stock.level"},
            "/api/v1/agents/{id}/goals/{goal_id}/": {**agent_paths, "goal_id": str(goal.pk)},
            "/api/v1/agents/{id}/keys/{key_id}/revoke/": {**agent_paths, "key_id": str(key.pk)},
            "/api/v1/agents/{id}/subscriptions/{subscription_id}/": {**agent_paths,
                                                                    "subscription_id": str(subscription.pk)},
            "/api/v1/organizations/{id}/": {"id": str(org.pk)},
            "/api/v1/roles/{id}/": {"id": str(role.pk)},
            "/api/v1/groups/{id}/": {"id": str(group.pk)},
            "/api/v1/groups/{id}/members/{agent_id}/": {"id": str(group.pk), "agent_id": str(alice.pk)},
            "/api/v1/messages/{id}/": {"id": str(message.pk)},
            "/api/v1/deliveries/{id}/": {"id": str(delivery.pk)},
            "/api/v1/conversations/{id}/": {"id": str(message.conversation_id)},
            "/api/v1/dead-letters/{id}/": {"id": str(dead.pk)},
            "/api/v1/auth/sessions/{id}/": {"id": other_session},
            "/api/v1/supervision/policies/{id}/": {"id": str(policy.pk)},
            "/api/v1/supervision/events/{id}/": {"id": str(event.pk)},
            "/api/v1/selection-policies/{id}/": {"id": str(selection_policy.pk)},
            "/api/v1/plans/{id}/stats/": {"id": str(plan.pk)},
        },
        refs={"organization": str(org.pk), "sender": str(external.pk), "to": [str(alice.pk)],
              "role": str(role.pk), "supervisor": str(alice.pk), "agent": str(alice.pk), "group": str(group.pk),
              "parent": str(goal.pk), "in_reply_to": str(message.pk), "conversation_id": str(message.conversation_id),
              "recipient": str(alice.pk), "refresh": tokens["refresh"], "object_type": "agents.agent",
              "object_id": str(alice.pk), "user": operator.username, "organization_id": str(org.pk),
              "escalate_agent": str(alice.pk)},
    )


def path_parameters_for(world: World, template: str) -> dict[str, str] | None:
    """The real ids for a path: the longest known template this path starts with (agents/{id}/pause/ -> the agent)."""
    best = None
    for known, values in world.path.items():
        prefix = known.rstrip("/")
        matches = template.rstrip("/") == prefix or template.startswith(prefix + "/")
        if matches and (best is None or len(known) > len(best[0])):
            best = (known, values)
    if best is None:
        return None
    names = {part[1:-1] for part in template.split("/") if part.startswith("{")}
    return {name: value for name, value in best[1].items() if name in names} or None
