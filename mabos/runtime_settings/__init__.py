"""Runtime settings: the few values an administrator may change while MABOS runs.

- ``store``: every process's view of the overrides (a copy reloaded within RUNTIME_SETTINGS_CACHE_SECONDS),
  and the validated, audited writes; re-exported here (``from mabos.runtime_settings import runtime_value``).
- ``api``: ``/api/v1/settings/``, where administrators read and override them (the admin is mabos/admin.py).
"""

from mabos.runtime_settings.store import (
    RUNTIME_SETTINGS,
    InvalidSetting,
    environment_value,
    forget,
    overrides,
    runtime_setting_clean,
    runtime_setting_clear,
    runtime_setting_set,
    runtime_value,
    source_of,
)

__all__ = (
    "RUNTIME_SETTINGS",
    "InvalidSetting",
    "environment_value",
    "forget",
    "overrides",
    "runtime_setting_clean",
    "runtime_setting_clear",
    "runtime_setting_set",
    "runtime_value",
    "source_of",
)
