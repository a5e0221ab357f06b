"""What to say when an ``Authorization`` header uses a scheme the endpoint does not take.

A credential in the wrong scheme (``JWT <token>``, a JWT sent as ``Agent``, an
agent key sent as ``Bearer``, a bare token with no scheme) used to be ignored,
so the answer was "credentials were not provided", which sends a person looking
for the wrong bug. Instead, the last header-reading authenticator (the JWT one,
present on every authenticated view) calls ``wrong_scheme`` and answers 401
``wrong_auth_scheme`` saying what was wrong and which schemes exist. Schemes are
compared case-insensitively (RFC 9110, 11.1): ``bearer`` is ``Bearer``.

Authenticators declare the scheme they read as ``auth_scheme``; this module
knows the two MABOS has only to describe them.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import exceptions

CODE = "wrong_auth_scheme"
#: Each scheme MABOS accepts, and what it carries. The agent-key endpoints are listed in docs/security.md.
SCHEMES = {
    "bearer": "`Authorization: Bearer <access token>` (a JWT from POST /api/v1/auth/token/)",
    "agent": "`Authorization: Agent <key>` (an external agent's API key, on the endpoints an agent calls: its "
             "inbox, deliveries, beliefs, goals, heartbeats and sends)",
}
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
#: How an agent key starts (agents.keys.services.KEY_PREFIX; a test holds the two equal).
AGENT_KEY_PREFIX = "mabos_ak_"


def split_authorization(header: bytes | str) -> list[str]:
    text = header.decode("latin-1") if isinstance(header, bytes) else header
    return text.split()


def is_scheme(word: str, scheme: str) -> bool:
    return word.lower() == scheme.lower()


def looks_like(credential: str) -> str | None:
    """Which scheme a credential belongs to by its shape ("bearer" for a JWT, "agent" for an agent key)."""
    if _JWT.match(credential):
        return "bearer"
    if credential.startswith(AGENT_KEY_PREFIX):
        return "agent"
    return None


def accepted(request: Any) -> list[str]:
    """The schemes the view's authenticators read from the header, in their order."""
    schemes = [getattr(authenticator, "auth_scheme", "") for authenticator in getattr(request, "authenticators", ())]
    return [scheme.lower() for scheme in schemes if scheme]


def claimed_elsewhere(request: Any, scheme: str, by: Any) -> bool:
    """Whether another authenticator of this view reads ``scheme`` (it answers for it, not ``by``)."""
    return any(is_scheme(getattr(a, "auth_scheme", ""), scheme) for a in getattr(request, "authenticators", ())
               if a is not by)


def _offer(request: Any) -> str:
    schemes = accepted(request) or ["bearer"]
    offer = " or ".join(SCHEMES[scheme] for scheme in schemes if scheme in SCHEMES)
    others = [SCHEMES[scheme] for scheme in SCHEMES if scheme not in schemes]
    tail = f" MABOS's other scheme, {' or '.join(others)}, is not accepted here." if others else ""
    return f"Send {offer}.{tail}"


def wrong_scheme(request: Any, parts: list[str]) -> exceptions.AuthenticationFailed:
    """The 401 for an Authorization header none of the view's authenticators reads."""
    if len(parts) == 1 and parts[0].lower() not in SCHEMES:
        shape = looks_like(parts[0])
        what = {"bearer": "a JWT access token", "agent": "an agent key"}.get(shape or "", "a bare value")
        detail = f"The Authorization header has no scheme (it holds {what} alone). {_offer(request)}"
    else:
        scheme = parts[0]
        detail = f"The Authorization scheme {scheme!r} is not one this endpoint accepts. {_offer(request)}"
        shape = looks_like(parts[1]) if len(parts) > 1 else None
        if shape == "bearer":
            detail += " The credential is a JWT access token: send it as `Bearer <token>`."
        elif shape == "agent" and "agent" in accepted(request):
            detail += " The credential is an agent key: send it as `Agent <key>`."
    return exceptions.AuthenticationFailed(detail, code=CODE)


def mismatch(credential: str, scheme: str, request: Any) -> exceptions.AuthenticationFailed | None:
    """The 401 for a credential of the other kind under a known scheme (a JWT as ``Agent``, a key as
    ``Bearer``), or None when the credential may be of this scheme."""
    shape = looks_like(credential)
    if shape is None or shape == scheme:
        return None
    if shape == "bearer":
        return exceptions.AuthenticationFailed(
            "This is a JWT access token, not an agent key: send it as `Authorization: Bearer <token>`.", code=CODE)
    if "agent" in accepted(request):
        return exceptions.AuthenticationFailed(
            "This is an agent key, not a JWT: send it as `Authorization: Agent <key>`.", code=CODE)
    return exceptions.AuthenticationFailed(
        f"This is an agent key, and this endpoint does not take agent keys. Send {SCHEMES['bearer']}.", code=CODE)
