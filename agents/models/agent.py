"""Agent roles and agents, with the status transition table (the one place it is defined)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from agents.models.base import NAME_MAX, SLUG_MAX, Timestamped, json_size_check, not_blank_check, slug_check
from agents.models.organization import Organization


class AgentRole(Timestamped):
    """A job description: global (a template every organization can use) or scoped to one organization."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="roles", help_text="Empty: a global template.")
    name = models.CharField(max_length=NAME_MAX)
    slug = models.SlugField(max_length=SLUG_MAX)
    responsibilities = models.TextField(blank=True, default="")
    default_goals = models.JSONField(default=list, blank=True,
                                     help_text="[{name, description, kind, priority}] given to each new agent.")
    default_beliefs = models.JSONField(default=list, blank=True,
                                       help_text="[{key, value, confidence}] given to each new agent.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], condition=models.Q(organization__isnull=True),
                                    name="agentrole_global_slug_unique"),
            models.UniqueConstraint(fields=["organization", "slug"], condition=models.Q(organization__isnull=False),
                                    name="agentrole_org_slug_unique"),
            slug_check("slug", "agentrole_slug_format"),
            not_blank_check("name", "agentrole_name_not_blank"),
            json_size_check("default_goals", "agentrole_default_goals_size"),
            json_size_check("default_beliefs", "agentrole_default_beliefs_size"),
        ]

    def __str__(self) -> str:
        return self.name if self.organization_id else f"{self.name} (template)"


class AgentKind(models.TextChoices):
    INTERNAL = "internal", "internal"
    EXTERNAL = "external", "external"


class AgentStatus(models.TextChoices):
    ACTIVE = "active", "active"
    PAUSED = "paused", "paused"
    STOPPED = "stopped", "stopped"
    FAILED = "failed", "failed"


#: Lifecycle actions: the statuses each may start from, and where it leads.
#: ``agents.services.lifecycle.agent_transition`` is the only code that changes a status.
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
