"""Every admin list column and read-only field shows a date relatively and long JSON folded: one wrap of
Django's own display functions, instead of a display method in every ModelAdmin.

Why a wrap: Django renders a changelist cell (``admin_list.items_for_result``) and a read-only field
(``helpers.AdminReadonlyField.contents``) through ``django.contrib.admin.utils.display_for_field`` and
``display_for_value``, which those two modules import by name. Declaring a display per date field would be
dozens of near-identical methods that each new admin could forget. So ``install`` (called once from
``MabosAdminConfig.ready``) swaps the names in those modules for the functions below, which handle a
datetime (``mabos.display.dates.relative_time``: "12 s ago", the UTC time on hover) and a long JSON value
(``mabos.display.folding``: a ``<details>``), and hand everything else to Django's originals unchanged
(choices, booleans, numbers, links, the empty value). Both callers escape what is not marked safe, and keep
what is.

Model forms, filters and the date hierarchy do not go through these functions: what a person types in is
still the absolute ``2026-12-03 11:38:00`` (config/formats/en/formats.py).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.admin import helpers, utils
from django.contrib.admin.templatetags import admin_list
from django.db import models

from mabos.display.dates import relative_time
from mabos.display.folding import is_long, json_folded, json_line

_ORIGINAL_FIELD = utils.display_for_field
_ORIGINAL_VALUE = utils.display_for_value


def display_for_field(value: Any, field: Any, empty_value_display: str, avoid_link: bool = False) -> Any:
    """Django's ``display_for_field``, with dates relative and long JSON folded (see the module)."""
    if not getattr(field, "flatchoices", None) and value not in (None, "", [], {}, ()):
        if isinstance(field, models.DateTimeField) and isinstance(value, datetime.datetime):
            return relative_time(value)
        if isinstance(field, models.JSONField):
            return _json(value)
    return _ORIGINAL_FIELD(value, field, empty_value_display, avoid_link=avoid_link)


def display_for_value(value: Any, empty_value_display: str, boolean: bool = False) -> Any:
    """Django's ``display_for_value`` (a display method's result), with a datetime said relatively."""
    if not boolean and isinstance(value, datetime.datetime):
        return relative_time(value)
    return _ORIGINAL_VALUE(value, empty_value_display, boolean)


def _json(value: Any) -> Any:
    """One line when short (as Django shows it, but never a Python repr); folded when long."""
    line = json_line(value, limit=10**9)
    return json_folded(value) if is_long(line) else line


def install() -> None:
    """Swap the names Django's list and read-only rendering call (idempotent)."""
    admin_list.display_for_field = display_for_field
    admin_list.display_for_value = display_for_value
    helpers.display_for_field = display_for_field
