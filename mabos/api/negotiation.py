"""Content negotiation that hides the browsable API from anyone who is not staff.

It looks at the session user (set by AuthenticationMiddleware), not at
``request.user``: negotiation runs before DRF authentication, and a staff member
browsing the API is logged in to the admin anyway.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

from mabos.api.renderers import StaffBrowsableAPIRenderer


class StaffBrowsableNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        django_request = getattr(request, "_request", request)
        session_user = getattr(django_request, "user", None)
        if not (session_user is not None and session_user.is_authenticated and session_user.is_staff):
            renderers = [r for r in renderers if not isinstance(r, StaffBrowsableAPIRenderer)] or renderers[:1]
        return super().select_renderer(request, renderers, format_suffix)
