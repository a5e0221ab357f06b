"""Every write to users, sessions, tokens and grants goes through these services."""

from accounts.services.users import admin_ensure, user_active_set, user_password_set

__all__ = ["admin_ensure", "user_active_set", "user_password_set"]
