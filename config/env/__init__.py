"""MABOS configuration from the environment: one schema, read once, checked as a whole.

- ``parsing``: the text of a variable (or of its ``NAME_FILE``) to a typed value; imports nothing here.
- ``schema``: every setting declared once (``SCHEMA``), and ``Config``, the typed result; imports nothing here.
- ``validation``: the rules a ``Config`` must satisfy, production's stricter ones too; imports ``schema``.
- ``loading``: environment to ``Config``, every problem collected; imports ``parsing``, ``schema``, ``validation``.
- ``docs``: docs/configuration.md generated from ``schema``; imports ``schema``.

Callers import from here (``from config.env import load_config``); the modules never import this
package's ``__init__``, so no import inside it goes in a circle.
"""

from config.env.loading import ConfigError, load_config, load_config_or_exit
from config.env.schema import (
    BASE_DIR,
    ENVIRONMENTS,
    PROCESS_ROLES,
    REQUIRED,
    SCHEMA,
    SCHEMA_BY_NAME,
    Config,
    Setting,
    redact,
)

__all__ = (
    "BASE_DIR",
    "ENVIRONMENTS",
    "PROCESS_ROLES",
    "REQUIRED",
    "SCHEMA",
    "SCHEMA_BY_NAME",
    "Config",
    "ConfigError",
    "Setting",
    "load_config",
    "load_config_or_exit",
    "redact",
)
