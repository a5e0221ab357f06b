"""Configuration state the database keeps: the last deploy fingerprint and the runtime overrides."""

from __future__ import annotations

from django.db import models


class ConfigFingerprint(models.Model):
    """The last effective configuration recorded at process start (mabos/config_drift/recording.py).

    One row per ``key`` (today only ``deploy``); the unique key is the backstop if
    two processes ever raced past the chain lock. ``values`` holds non-secret
    values as they are and each secret as an HMAC under ``salt``, never the secret.
    """

    key = models.CharField(max_length=32, unique=True)
    salt = models.CharField(max_length=64)
    values = models.JSONField(default=dict)
    recorded_at = models.DateTimeField(auto_now=True)
    recorded_by = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"configuration fingerprint {self.key}"


class RuntimeOverride(models.Model):
    """An administrator's value for a runtime setting (``runtime=True`` in config/env/schema.py).

    Deleting the row puts the environment's value back. Written only through
    mabos.runtime_settings (validated by the schema, audited as config_changed).
    """

    name = models.CharField(max_length=100, unique=True)
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = "runtime setting override"

    def __str__(self) -> str:
        return self.name
