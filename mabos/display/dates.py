"""Dates as an operator reads them: "12 s ago", "3 min ago", "2 h ago", "5 d ago", "in 4 min", with the exact
UTC time on hover.

A list of events is read for *how long ago* (is this agent's heartbeat fresh? did this approval wait a day?);
the exact time is one hover away, in UTC, the zone of every API timestamp and log line::

    <time class="mabos-time" datetime="2026-12-04T01:23:45+00:00" title="2026-12-04 01:23:45 UTC">12 s ago</time>

The words are computed when the page is rendered (the dashboard re-renders itself, so its dates stay
current; any other page says how long ago it was when it was opened). No script, no inline style: the
``<time>`` element and a class (mabos/static/mabos/admin.css keeps it on one line).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

#: (seconds in the unit, the unit's word), largest first: a delta is said in the largest unit it fills.
UNITS = ((86_400, "d"), (3_600, "h"), (60, "min"), (1, "s"))


def relative_words(value: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """"12 s ago" for a past moment, "in 4 min" for a future one (whole units, rounded down)."""
    now = now or timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    seconds = (now - value).total_seconds()
    amount = abs(seconds)
    for size, word in UNITS:
        if amount >= size or size == 1:
            phrase = f"{int(amount // size)} {word}"
            break
    return f"in {phrase}" if seconds < 0 and amount >= 1 else f"{phrase} ago"


def utc_words(value: datetime.datetime) -> str:
    """"2026-12-04 01:23:45 UTC": the hover text."""
    return f"{as_utc(value):%Y-%m-%d %H:%M:%S} UTC"


def as_utc(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        return value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


def relative_time(value: datetime.datetime, now: datetime.datetime | None = None) -> SafeString:
    """The ``<time>`` element of the module docstring."""
    return format_html('<time class="mabos-time" datetime="{}" title="{}">{}</time>',
                       as_utc(value).isoformat(timespec="seconds"), utc_words(value), relative_words(value, now))
