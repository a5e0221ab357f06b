"""Audit what Django and django-axes announce: admin logins and logouts, failed logins, lockouts.

These only record; they change nothing. The API's own token flows audit in
their services.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import User
from accounts.services.sessions import session_end_web, session_start_web
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.metrics import LOCKOUTS, LOGIN_FAILURES


def _is_api(request: Any) -> bool:
    return request is not None and request.path.startswith("/api/")


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).first()
    locked = bool(getattr(request, "axes_locked_out", False))
    LOGIN_FAILURES.labels(channel="api" if _is_api(request) else "admin").inc()
    audit_record(action=Action.LOGIN_FAILED, actor=None, target=user,
                 target_type="" if user else "user", target_repr="" if user else username,
                 note=("api" if _is_api(request) else "admin") + (" (locked out)" if locked else ""))


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def audit_lockout(sender: Any, request: Any = None, username: str | None = None, ip_address: str | None = None,
                  **kwargs: Any) -> None:
    LOCKOUTS.labels(channel="api" if _is_api(request) else "admin").inc()
    user = User.objects.filter(username=username or "").first()
    audit_record(action=Action.LOCKOUT, actor=None, target=user,
                 target_type="" if user else "user", target_repr="" if user else (username or "")[:150],
                 note=f"username+IP lockout for {ip_address or '?'}")


@receiver(user_logged_in, dispatch_uid="accounts.web_session_start")
def record_web_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if request is not None and not _is_api(request) and hasattr(request, "session"):
        session_start_web(user=user, request=request)


@receiver(user_logged_out, dispatch_uid="accounts.web_session_end")
def record_web_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_end_web(user=user, session_key=request.session.session_key)
