"""The runtime overrides: each process's copy of them, and their validated, audited writes.

A setting is runtime-tunable when the one schema (config/env/schema.py) says
``runtime=True``; its value is the override an administrator stored, else the
environment's. Overrides are validated by the same rules as the environment
(type, choices, minimum), audited as ``config_changed`` and removable.

Every process reads them through ``runtime_value``: a process-local copy of all
overrides, reloaded from the database at most every
RUNTIME_SETTINGS_CACHE_SECONDS. The process that writes an override drops its
copy at once and again on commit, so it sees its own change immediately;
every other process sees it within RUNTIME_SETTINGS_CACHE_SECONDS (the
documented bound). A database that cannot be read keeps the last copy (or the
environment's values): a tuning knob must never take a worker down.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction

from auditlog.models import Action
from auditlog.services import audit_record
from config.env import SCHEMA, SCHEMA_BY_NAME, Setting
from config.env.parsing import PARSERS, TYPE_WORDS
from mabos.errors import InvalidInput, NotFound
from mabos.models import RuntimeOverride

logger = logging.getLogger("mabos.runtime_settings")  # its name before the package: log filters keep working

RUNTIME_SETTINGS: tuple[Setting, ...] = tuple(s for s in SCHEMA if s.runtime)

_lock = threading.Lock()
_copy: dict[str, Any] = {}
_loaded_at = float("-inf")


class InvalidSetting(InvalidInput):
    """An override refused by the schema: the setting and the rule it breaks are named."""

    code = "invalid_setting"

    def __init__(self, name: str, rule: str):
        super().__init__(f"{name}: {rule}", fields={name: [rule]}, setting=name, rule=rule)


# --- reading -----------------------------------------------------------------------------------------
def overrides() -> dict[str, Any]:
    """Every stored override, from this process's copy while it is younger than the bound."""
    global _copy, _loaded_at
    ttl = float(getattr(settings, "RUNTIME_SETTINGS_CACHE_SECONDS", 5.0))
    if time.monotonic() - _loaded_at < ttl:
        return _copy
    with _lock:
        if time.monotonic() - _loaded_at < ttl:
            return _copy
        try:
            fresh = dict(RuntimeOverride.objects.values_list("name", "value"))
        except (DatabaseError, RuntimeError) as exc:  # RuntimeError: no database access (e.g. a test)
            logger.debug("runtime overrides not reloaded: %s", exc)
            return _copy
        _copy, _loaded_at = fresh, time.monotonic()
        return _copy


def forget() -> None:
    """Drop this process's copy: the next read loads the overrides again."""
    global _loaded_at
    _loaded_at = float("-inf")


def environment_value(name: str) -> Any:
    return settings.MABOS_CONFIG.values.get(name)


def runtime_value(name: str, default: Any = None) -> Any:
    """The override of a runtime setting if one is stored, else ``default`` (the environment's value)."""
    found = overrides()
    if name in found:
        return found[name]
    return environment_value(name) if default is None else default


def source_of(name: str) -> str:
    return "runtime override" if name in overrides() else settings.MABOS_CONFIG.sources.get(name, "default")


# --- validating --------------------------------------------------------------------------------------
def runtime_setting_clean(*, name: str, value: Any) -> Any:
    """The typed value of an override, or InvalidSetting naming the setting and the rule."""
    setting = SCHEMA_BY_NAME.get(name)
    if setting is None:
        raise InvalidSetting(name, "is not a setting (see docs/configuration.md)")
    if setting.secret:
        raise InvalidSetting(name, "is a secret; secrets come only from the environment")
    if not setting.runtime:
        raise InvalidSetting(name, "is not runtime-tunable; set it in the environment and restart")
    typed = _typed(setting, value)
    if setting.choices and typed not in setting.choices:
        raise InvalidSetting(name, f"must be one of {', '.join(c for c in setting.choices if c)}")
    if setting.minimum is not None and typed < setting.minimum:
        raise InvalidSetting(name, f"must be at least {setting.minimum:g}")
    return typed


def _typed(setting: Setting, value: Any) -> Any:
    word = TYPE_WORDS.get(setting.cast, setting.cast)
    wrong = InvalidSetting(setting.name, f"must be {word} (example: {setting.example})")
    if isinstance(value, str):
        try:
            value = PARSERS[setting.cast](value)
        except ValueError:
            raise wrong from None
    if isinstance(value, float) and not math.isfinite(value):
        raise wrong
    if setting.cast == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if setting.cast == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if setting.cast == "bool" and isinstance(value, bool):
        return value
    raise wrong


# --- writing -----------------------------------------------------------------------------------------
def _effective(name: str) -> Any:
    row = RuntimeOverride.objects.filter(name=name).values_list("value", flat=True).first()
    return environment_value(name) if row is None else row


def _changed() -> None:
    forget()
    transaction.on_commit(forget)


@transaction.atomic
def runtime_setting_set(*, name: str, value: Any, by: Any) -> RuntimeOverride:
    """Store an administrator's override (validated first: nothing is written for a refused value)."""
    typed = runtime_setting_clean(name=name, value=value)
    before = _effective(name)
    row, _ = RuntimeOverride.objects.select_for_update().get_or_create(name=name, defaults={"value": typed})
    row.value, row.updated_by = typed, str(getattr(by, "get_username", lambda: by)())[:150]
    row.save()
    audit_record(action=Action.CONFIG_CHANGED, actor=by, target_type="runtime_setting", target_id=name,
                 target_repr=name, changes={name: [before, typed]}, note="runtime override set")
    _changed()
    return row


@transaction.atomic
def runtime_setting_clear(*, name: str, by: Any) -> None:
    """Remove an override: the environment's value applies again."""
    setting = SCHEMA_BY_NAME.get(name)
    if setting is None or not setting.runtime:
        raise NotFound("runtime setting")
    row = RuntimeOverride.objects.select_for_update().filter(name=name).first()
    if row is None:
        raise NotFound("runtime override")
    before = row.value
    row.delete()
    audit_record(action=Action.CONFIG_CHANGED, actor=by, target_type="runtime_setting", target_id=name,
                 target_repr=name, changes={name: [before, environment_value(name)]},
                 note="runtime override removed (back to the environment's value)")
    _changed()
