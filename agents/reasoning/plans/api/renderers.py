"""``?format=text``: a plan's text form as ``text/plain``, chosen by DRF's format override."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BaseRenderer


class PlanTextRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "text"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        return text.encode("utf-8")
