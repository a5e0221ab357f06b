"""``Authorization: Agent <key>``: an external agent's runtime calls the API as that agent.

The principal is not a user: it holds no model or object permission, so every
view that does not name this class refuses it (401), and the views that do
(the agent's own beliefs and goals) only let it reach its own agent.
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.settings import api_settings

from agents.agent.principal import AgentPrincipal
from agents.keys.models import AgentApiKey
from agents.keys.services import agent_key_authenticate, agent_key_refusal_record
from mabos.api import auth_schemes
from mabos.api.refusals import refusal_record, refusal_wait
from mabos.errors import AuthenticationError
from mabos.request_context import client_ip


class AgentKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Agent <key>``, the scheme in any case; a JWT sent this way is told to use Bearer."""

    keyword = "Agent"
    auth_scheme = keyword

    def authenticate(self, request: Any) -> tuple[AgentPrincipal, AgentApiKey] | None:
        parts = auth_schemes.split_authorization(authentication.get_authorization_header(request))
        if not parts or not auth_schemes.is_scheme(parts[0], self.keyword):
            return None
        # Throttle first: past its budget of refusals a client is not even looked up (mabos.api.refusals).
        wait = refusal_wait(request)
        if wait is not None:
            raise exceptions.Throttled(wait=wait)
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send exactly: Authorization: Agent <key>.",
                                                  code="agent_key_invalid")
        refused = auth_schemes.mismatch(parts[1], "agent", request)
        if refused is not None:
            raise refused
        try:
            key = agent_key_authenticate(raw=parts[1], ip=client_ip(request._request))
        except AuthenticationError as exc:
            reason = exc.extra.get("reason", "")
            refusal_record(request, lambda: agent_key_refusal_record(raw=parts[1], reason=reason))
            raise exceptions.AuthenticationFailed(exc.detail, code=exc.code) from None
        return AgentPrincipal(key.agent, key), key

    def authenticate_header(self, request: Any) -> str:
        return f'{self.keyword} realm="mabos"'


#: The views an agent key may call name these: its own key first, then the users' JWT and session.
AGENT_KEY_OR_USER = [AgentKeyAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
