"""Template filters for what the admin's own pages (the dashboard, an agent's page, the org chart) show as the
admin lists do (mabos/display/): ``{{ value|ago }}`` a date relatively with the UTC time on hover,
``{{ value|folded_json }}`` long JSON in a ``<details>``."""

from __future__ import annotations

import datetime
from typing import Any

from django import template

from mabos.display.dates import relative_time
from mabos.display.folding import json_folded

register = template.Library()


@register.filter
def ago(value: Any) -> Any:
    """``<time datetime=… title="… UTC">12 s ago</time>``; anything that is no datetime (None) as it is."""
    return relative_time(value) if isinstance(value, datetime.datetime) else value


@register.filter
def folded_json(value: Any) -> Any:
    return json_folded(value)
