"""Agent groups and memberships: teams inside one organization."""

from __future__ import annotations

import uuid

from django.db import models

from agents.models.agent import Agent
from agents.models.base import NAME_MAX, Timestamped, not_blank_check
from agents.models.organization import Organization


class AgentGroup(Timestamped):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=NAME_MAX)
    purpose = models.TextField(max_length=2000, blank=True, default="")

    class Meta:
        ordering = ["organization_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="agentgroup_name_unique_in_org"),
            models.UniqueConstraint(fields=["organization", "id"], name="agentgroup_org_id_unique"),
            not_blank_check("name", "agentgroup_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    LEADER = "leader", "leader"
    MEMBER = "member", "member"
    OBSERVER = "observer", "observer"


class Membership(models.Model):
    """An agent in a group. ``organization`` is copied from both sides so the database can
    hold them equal (composite foreign keys, migration 0002)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(AgentGroup, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_id", "role", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "agent"], name="membership_unique"),
            models.UniqueConstraint(fields=["group"], condition=models.Q(role=MembershipRole.LEADER),
                                    name="membership_one_leader_per_group"),
            models.CheckConstraint(condition=models.Q(role__in=MembershipRole.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} in {self.group_id} ({self.role})"
