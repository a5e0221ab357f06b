"""Organizations: the businesses MABOS runs, each with its own agents, roles and groups."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from agents.common.limits import LABEL_MAX, NAME_MAX, SLUG_MAX, TEXT_MAX
from agents.common.models import Timestamped, json_size_check, not_blank_check, slug_check


class Organization(Timestamped):
    """A business. Object permissions granted on it cover all its agents."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=NAME_MAX)
    slug = models.SlugField(max_length=SLUG_MAX, unique=True)
    industry = models.CharField(max_length=LABEL_MAX, blank=True, default="")
    description = models.TextField(max_length=TEXT_MAX)
    profile = models.JSONField(default=dict, blank=True,
                               help_text="Size, markets, products ...: what the agents should know about it.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        app_label = "agents"
        ordering = ["name"]
        permissions = [("operate_organization", "Can operate the agents of an organization")]
        constraints = [
            slug_check("slug", "organization_slug_format"),
            not_blank_check("name", "organization_name_not_blank"),
            not_blank_check("description", "organization_description_not_blank"),
            json_size_check("profile", "organization_profile_size"),
        ]
        indexes = [models.Index(fields=["name"], name="organization_name_idx")]

    def __str__(self) -> str:
        return self.name


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
    adopts_told_plans = models.BooleanField(default=False, help_text="Its agents adopt a plan a group member "
                                                                     "tells them (tellHow); off: refused.")

    class Meta:
        app_label = "agents"
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


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        app_label = "agents"


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        app_label = "agents"
