"""Goal kinds: a value shared by role templates (organization) and goals (reasoning)."""

from __future__ import annotations

from django.db import models


class GoalKind(models.TextChoices):
    ACHIEVE = "achieve", "achieve"
    MAINTAIN = "maintain", "maintain"
    PERFORM = "perform", "perform"
