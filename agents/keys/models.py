"""API keys of agents: shown once, stored as a keyed hash, found by a public prefix."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from agents.agent.models import Agent
from agents.common.limits import LABEL_MAX


class AgentApiKey(models.Model):
    """``hash`` is HMAC-SHA256(pepper[pepper_id], key): a database leak alone gives no usable key,
    and ``pepper_id`` lets the pepper rotate (keys are rehashed with the newest pepper on use)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=LABEL_MAX, blank=True, default="")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    pepper_id = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.CharField(max_length=45, blank=True, default="")

    class Meta:
        app_label = "agents"
        ordering = ["-created_at"]
        verbose_name = "agent API key"
        constraints = [
            models.CheckConstraint(condition=models.Q(hash__regex=r"^[0-9a-f]{64}$"), name="agentapikey_hash_hex"),
            models.CheckConstraint(condition=models.Q(prefix__regex=r"^[0-9a-f]{12}$"),
                                   name="agentapikey_prefix_format"),
        ]
        indexes = [models.Index(fields=["agent", "revoked_at"], name="agentapikey_agent_idx")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'key'})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
