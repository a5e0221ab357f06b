"""Agents with the status transition table (the one place it is defined), groups, memberships, agent grants."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from agents.common.limits import NAME_MAX, NOTE_MAX, SLUG_MAX
from agents.common.models import Timestamped, json_size_check, not_blank_check, slug_check
from agents.organization.models import AgentRole, Organization


class AgentKind(models.TextChoices):
    INTERNAL = "internal", "internal"
    EXTERNAL = "external", "external"


class AgentStatus(models.TextChoices):
    ACTIVE = "active", "active"
    PAUSED = "paused", "paused"
    STOPPED = "stopped", "stopped"
    FAILED = "failed", "failed"


#: Lifecycle actions: the statuses each may start from, and where it leads.
#: ``agents.agent.services.lifecycle.agent_transition`` is the only code that changes a status.
LIFECYCLE_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "pause": (frozenset({AgentStatus.ACTIVE}), AgentStatus.PAUSED),
    "resume": (frozenset({AgentStatus.PAUSED}), AgentStatus.ACTIVE),
    "restart": (frozenset({AgentStatus.STOPPED, AgentStatus.FAILED}), AgentStatus.ACTIVE),
    "stop": (frozenset({AgentStatus.ACTIVE, AgentStatus.PAUSED, AgentStatus.FAILED}), AgentStatus.STOPPED),
    "fail": (frozenset({AgentStatus.ACTIVE, AgentStatus.PAUSED}), AgentStatus.FAILED),
}

#: Not running: such an agent's key may read and drain its inbox, and nobody may send as it.
NOT_RUNNING = frozenset({AgentStatus.STOPPED, AgentStatus.FAILED})

#: status -> the statuses it may legally move to (derived, for docs and checks).
TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(to for sources, to in LIFECYCLE_ACTIONS.values() if status in sources)
    for status in AgentStatus.values
}


class Agent(Timestamped):
    """A software agent working for one organization.

    ``version`` grows by one with every write, so a writer that read version N
    can say "only if it is still N" and a concurrent writer loses with a 409.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="agents")
    role = models.ForeignKey(AgentRole, on_delete=models.PROTECT, related_name="agents")
    name = models.CharField(max_length=NAME_MAX)
    slug = models.SlugField(max_length=SLUG_MAX)
    kind = models.CharField(max_length=16, choices=AgentKind.choices, default=AgentKind.INTERNAL)
    status = models.CharField(max_length=16, choices=AgentStatus.choices, default=AgentStatus.ACTIVE)
    supervisor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="subordinates")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    config = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        app_label = "agents"
        ordering = ["organization_id", "name"]
        permissions = [("operate_agent", "Can operate an agent (pause, resume, restart, send as)")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="agent_slug_unique_in_org"),
            # The target of the composite foreign keys that keep supervisors and members in one organization.
            models.UniqueConstraint(fields=["organization", "id"], name="agent_org_id_unique"),
            models.CheckConstraint(condition=~models.Q(supervisor=models.F("id")), name="agent_not_own_supervisor"),
            models.CheckConstraint(condition=models.Q(kind__in=AgentKind.values), name="agent_kind_valid"),
            models.CheckConstraint(condition=models.Q(status__in=AgentStatus.values), name="agent_status_valid"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="agent_version_positive"),
            slug_check("slug", "agent_slug_format"),
            not_blank_check("name", "agent_name_not_blank"),
            json_size_check("config", "agent_config_size"),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="agent_org_status_idx"),
            models.Index(fields=["organization", "name"], name="agent_org_name_idx"),
            models.Index(fields=["status", "kind"], name="agent_status_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class AgentGroup(Timestamped):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=NAME_MAX)
    purpose = models.TextField(max_length=NOTE_MAX, blank=True, default="")

    class Meta:
        app_label = "agents"
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
        app_label = "agents"
        ordering = ["group_id", "role", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "agent"], name="membership_unique"),
            models.UniqueConstraint(fields=["group"], condition=models.Q(role=MembershipRole.LEADER),
                                    name="membership_one_leader_per_group"),
            models.CheckConstraint(condition=models.Q(role__in=MembershipRole.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        """"CFO in Leadership team (leader)": read with its agent and group (select_related), or it costs two
        queries."""
        return f"{self.agent} in {self.group} ({self.role})"


class AgentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Agent, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        app_label = "agents"


class AgentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Agent, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        app_label = "agents"
