"""Users. A custom model from the first migration, so nothing ever migrates away from auth.User."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who steers MABOS. Agents are not users; they authenticate with API keys."""

    email = models.EmailField("email address", blank=True)

    class Meta(AbstractUser.Meta):
        db_table = "accounts_user"
        swappable = "AUTH_USER_MODEL"


class UserSession(models.Model):
    """One signed-in session of a user: an API refresh-token family or an admin web session.

    The API session id is the ``sid`` claim of every token in the family, so one
    row survives refresh rotation and revoking it kills every token of that login.
    """

    class Kind(models.TextChoices):
        API = "api", "API (JWT)"
        WEB = "web", "Web (admin)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    # API: empty. Web: the Django session key (never shown by the API or the admin).
    web_session_key = models.CharField(max_length=40, blank=True, default="")
    # API: the jti of the one refresh token of this session that is still usable.
    refresh_jti = models.CharField(max_length=255, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_used_at"]
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"], name="usersession_active_idx")]
        constraints = [
            models.UniqueConstraint(fields=["web_session_key"], condition=~models.Q(web_session_key=""),
                                    name="usersession_web_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} session of {self.user_id} from {self.ip_address or '?'}"
