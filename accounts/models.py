"""Users. A custom model from the first migration, so nothing ever migrates away from auth.User."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who steers MABOS. Agents are not users; they authenticate with API keys."""

    email = models.EmailField("email address", blank=True)

    class Meta(AbstractUser.Meta):
        db_table = "accounts_user"
        swappable = "AUTH_USER_MODEL"
