"""Run the demo's external supplier (Atlas Trading) beside `make run`: a fresh agent key, then
scripts/external_supplier.py with it, as an outside program would run.

`make run` starts it as the Procfile's ``supplier`` process, so the demo shows an external agent answering
the COO's calls for bids through the API. The key is made by the key service (audited, shown to nobody):
each start revokes the key the previous start made (its name says so) and makes a new one, so keys do not
pile up and a key never outlives the run that used it for long. The key reaches the script through its
environment (``MABOS_AGENT_KEY``), not its arguments, which every local user can read in ``ps``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agents.agent.models import Agent, AgentKind
from agents.keys.models import AgentApiKey
from agents.keys.services import agent_key_create, agent_key_revoke
from auditlog.actors import Actor

KEY_NAME = "make run: scripts/external_supplier.py"
SCRIPT = Path(settings.BASE_DIR) / "scripts" / "external_supplier.py"


class Command(BaseCommand):
    help = "Give the demo's external supplier a fresh key and run scripts/external_supplier.py with it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", default="demo-online-retailer", help="the organization's slug")
        parser.add_argument("--agent", default="atlas", help="the external agent's slug")
        parser.add_argument("--base", default=None,
                            help="the API's base URL (default: $MABOS_RUN_URL/api/v1, which `make run` sets to what "
                                 "it serves; honcho gives each process a PORT of its own, so PORT is not it)")

    def handle(self, *args: Any, **options: Any) -> None:
        agent = Agent.objects.filter(organization__slug=options["organization"], slug=options["agent"]).first()
        if agent is None or agent.kind != AgentKind.EXTERNAL:
            raise CommandError(f"no external agent {options['agent']!r} in the organization "
                               f"{options['organization']!r} (`manage.py seed_demo` creates the demo's).")
        raw = self.fresh_key(agent)
        base = options["base"] or f"{os.environ.get('MABOS_RUN_URL', 'http://127.0.0.1:8000')}/api/v1"
        self.stdout.write(f"external supplier {agent.name} ({agent.pk}) answering through {base}")
        self.stdout.flush()
        argv = [sys.executable, str(SCRIPT), "--agent", str(agent.pk), "--base", base, "--name", agent.name]
        os.execve(sys.executable, argv, {**os.environ, "MABOS_AGENT_KEY": raw})  # noqa: S606 (no shell: ours)

    @staticmethod
    def fresh_key(agent: Agent) -> str:
        """Revoke the keys earlier runs made, make one for this run; the raw key."""
        by = Actor.system("demo_external_supplier")
        with transaction.atomic():
            for key in AgentApiKey.objects.filter(agent=agent, name=KEY_NAME, revoked_at__isnull=True):
                agent_key_revoke(key=key, by=by)
            _key, raw = agent_key_create(agent=agent, by=by, name=KEY_NAME)
        return raw
