#!/usr/bin/env python
"""Django's command-line utility for MABOS."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.env import load_config_or_exit

    load_config_or_exit()  # one clear message instead of a traceback
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
    from mabos.config_drift.hooks import record_after_command

    record_after_command(sys.argv)  # migrate, seed_demo, ...: record configuration drift (docs/audit.md)


if __name__ == "__main__":
    main()
