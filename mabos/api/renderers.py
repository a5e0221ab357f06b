"""The browsable API, for staff only: everyone else gets JSON whatever they ask for."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BrowsableAPIRenderer

from mabos.api.operations import operation


class StaffBrowsableAPIRenderer(BrowsableAPIRenderer):
    """A BrowsableAPIRenderer that ``StaffBrowsableNegotiation`` offers to staff sessions only.

    Its raw-data form (POST, PUT, PATCH) starts from what the operation takes: its documented example (the
    first send of ``messages/``), else its input fields with placeholders. DRF's own starts from the view's
    serializer, which for our lists is the output shape (``id``, ``created_at`` ...), and for the other views
    is empty.
    """

    def get_raw_data_form(self, data: Any, view: Any, method: str, request: Any) -> Any:
        form = super().get_raw_data_form(data, view, method, request)
        if form is None:
            return None
        documented = operation(method, request.path)
        if documented is not None and documented.body is not None:
            form.fields["_content"].initial = json.dumps(documented.body, indent=4)
        return form
