"""Domain errors of the agents app, built on the shared ones the API maps to status codes."""

from __future__ import annotations

from mabos.errors import Conflict, InvalidInput


class InvalidTransition(Conflict):
    """The agent's status does not allow this lifecycle action (409, names ``status``)."""

    code = "invalid_transition"

    def __init__(self, action: str, status: str):
        detail = f"Cannot {action} an agent that is {status}."
        super().__init__(detail)
        self.fields = {"status": [detail]}


class StaleVersion(Conflict):
    """Someone else changed the object since the caller read it (409, names ``version``)."""

    code = "stale_version"

    def __init__(self, what: str, current: int | None):
        detail = f"The {what} was changed by someone else (now at version {current}); reload and retry."
        super().__init__(detail)
        self.fields = {"version": [detail]}
        self.current = current


def invalid(field: str, message: str) -> InvalidInput:
    """A 400 naming one field."""
    return InvalidInput(message, fields={field: [message]})
