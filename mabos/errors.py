"""Domain errors: what went wrong, in our words, with no HTTP in sight.

Services and selectors raise these; ``mabos.api.exceptions`` maps each class to
a status code in one table, so the admin, the API and the workers share them.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a caller can act on. ``code`` is stable; ``detail`` is for people."""

    code = "error"
    default_detail = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any):
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.detail)


class NotFound(DomainError):
    """Missing and not-allowed-to-see look the same, so nothing leaks."""

    code = "not_found"
    default_detail = "Not found."

    def __init__(self, what: str = "", detail: str | None = None, **kw: Any):
        super().__init__(detail or (f"No such {what}." if what else None), **kw)


class PermissionDenied(DomainError):
    """The caller may see the object but not do this to it."""

    code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class InvalidInput(DomainError):
    """Input that passed parsing but breaks a rule; ``fields`` names the culprits."""

    code = "invalid"
    default_detail = "Invalid input."

    def __init__(self, detail: str | None = None, *, fields: dict[str, list[str]] | None = None, **kw: Any):
        super().__init__(detail, **kw)
        self.fields = fields or {}


class Conflict(DomainError):
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class AuthenticationError(DomainError):
    """Credentials or a token were refused."""

    code = "authentication_failed"
    default_detail = "Authentication failed."


class LockedOut(DomainError):
    """Too many failed logins for this username and address; try again after ``retry_after`` seconds."""

    code = "locked_out"
    default_detail = "Too many failed login attempts. Try again later."

    def __init__(self, retry_after: int, detail: str | None = None):
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))
