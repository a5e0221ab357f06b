"""The browsable API, for staff only: everyone else gets JSON whatever they ask for."""

from __future__ import annotations

from rest_framework.renderers import BrowsableAPIRenderer


class StaffBrowsableAPIRenderer(BrowsableAPIRenderer):
    """A BrowsableAPIRenderer that ``StaffBrowsableNegotiation`` offers to staff sessions only."""
