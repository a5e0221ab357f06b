"""Reading the environment into a ``Config``: every setting typed, its source kept, every problem collected.

Loading collects *every* problem before failing, because an operator fixing a
deployment one error per restart is a bad afternoon.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from environ import FileAwareMapping

from config.env.parsing import PARSERS, TYPE_WORDS, read_raw
from config.env.schema import ENVIRONMENTS, REQUIRED, SCHEMA, Config
from config.env.validation import validate


class ConfigError(Exception):
    """Configuration is unusable; the message lists every problem at once."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"MABOS cannot start: {len(problems)} configuration problem(s):\n{lines}\n"
            "See docs/configuration.md for every variable, its type and an example."
        )


def load_config(environ_map: Mapping[str, str] | None = None) -> Config:
    """Read, type and validate every setting; raise ConfigError listing all problems."""
    source_env = dict(os.environ if environ_map is None else environ_map)
    env = FileAwareMapping(env=source_env, cache=False)
    config = Config()

    env_name = source_env.get("MABOS_ENV", "development").strip() or "development"
    if env_name not in ENVIRONMENTS:
        config.problems.append(
            f"MABOS_ENV={env_name!r} is not one of {', '.join(ENVIRONMENTS)} (example: MABOS_ENV=production)."
        )
        env_name = "production"  # judge everything else by the strictest rules

    for s in SCHEMA:
        try:
            raw, source = read_raw(env, s.name)
        except (OSError, UnicodeDecodeError) as exc:
            config.problems.append(f"{s.name}_FILE cannot be read: {exc.__class__.__name__}: {exc} "
                                   f"(example: {s.name}_FILE=/run/secrets/{s.name.lower()}).")
            raw, source = None, "default"
        if raw is not None and not raw.strip():
            raw, source = None, "default"  # VAR= (empty) means unset, so required stays required
        if raw is None:
            default = s.default_for(env_name)
            if default is REQUIRED:
                config.problems.append(
                    f"{s.name} is required in {env_name}: {s.doc} (example: {s.name}={s.example})."
                )
                default = None
            if isinstance(default, str) and s.cast in ("list", "dict"):
                default = PARSERS[s.cast](default)
            config.values[s.name] = default
            config.sources[s.name] = "default"
            continue
        try:
            value = PARSERS[s.cast](raw)
        except ValueError:
            shown = "<hidden>" if s.secret else repr(raw)
            config.problems.append(
                f"{s.name}={shown} is not {TYPE_WORDS.get(s.cast, s.cast)} (example: {s.name}={s.example})."
            )
            value = None
        config.values[s.name] = value
        config.sources[s.name] = source
    config.values["MABOS_ENV"] = env_name

    validate(config)
    if config.problems:
        raise ConfigError(config.problems)
    return config


def load_config_or_exit(environ_map: Mapping[str, str] | None = None) -> Config:
    """Entry points call this so a misconfiguration prints one message, never a traceback."""
    try:
        return load_config(environ_map)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(2) from None
