"""Transitional: the old path of ``mabos.storable.forms``, kept only while agents/admin imports it.

Delete this file once agents/ imports ``mabos.storable.forms`` (issue 12: agents/ is being moved by
concept at the same time, so it is fixed there, after both moves are merged).
"""

from mabos.storable.forms import STORABLE_FORMFIELDS, TOO_DEEP, StorableJSONField

__all__ = ("STORABLE_FORMFIELDS", "TOO_DEEP", "StorableJSONField")
