"""Who did it: a user, an agent, the system itself, or an anonymous client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditlog.models import ActorType


@dataclass(frozen=True)
class Actor:
    """The actor of an audit event, captured as plain values.

    Values, not a foreign key: deleting a user must never touch (or be blocked
    by) the audit trail, and the event must still say who it was.
    """

    type: str
    id: str = ""
    name: str = ""

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        """A person; an anonymous Django user becomes the anonymous actor."""
        if user is None or not getattr(user, "is_authenticated", False):
            return cls.anonymous()
        get_username = getattr(user, "get_username", None)
        name = get_username() if callable(get_username) else str(user)
        return cls(type=ActorType.USER, id=str(user.pk), name=str(name))

    @classmethod
    def for_agent(cls, agent: Any) -> Actor:
        """A software agent (duck-typed: anything with a pk and a str())."""
        return cls(type=ActorType.AGENT, id=str(getattr(agent, "pk", "") or ""), name=str(agent))

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """MABOS itself: periodic tasks, management commands, migrations."""
        return cls(type=ActorType.SYSTEM, id="", name=name)

    @classmethod
    def anonymous(cls) -> Actor:
        """A client that did not (or not successfully) authenticate."""
        return cls(type=ActorType.ANONYMOUS, id="", name="anonymous")

    @classmethod
    def coerce(cls, value: Any) -> Actor:
        """An Actor from whatever a service was given: an Actor, a user, an agent or a name."""
        if isinstance(value, Actor):
            return value
        if value is None:
            return cls.system()
        if hasattr(value, "is_authenticated"):
            return cls.for_user(value)
        if hasattr(value, "pk"):
            return cls.for_agent(value)
        return cls.system(str(value))
