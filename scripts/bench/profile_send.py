#!/usr/bin/env python
"""CPU of the web process per request, in-process: POST /api/v1/messages/ (agent key) against the bare echo.

    python scripts/testenv.py -- .venv/bin/python scripts/bench/profile_send.py [--rounds 12] [--profile send.prof]

Calls the bench's WSGI application (MABOS plus /bench/echo/, scripts/bench/wsgi.py)
directly, with the web role's settings (pooled connections), no worker, so only
the web tier's work is measured: the whole middleware stack, DRF, the send
service and its commit. Echo and send alternate in rounds and the medians are
printed, with the Python calls per request (deterministic, so a change can be
compared on a busy machine, where CPU milliseconds are noisy). ``--profile``
writes a cProfile (CPU clock) of 300 sends for ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["MABOS_PROCESS_ROLE"] = "web"
os.environ.setdefault("THROTTLE_USER_RATE", "100000000/hour")
os.environ.setdefault("THROTTLE_ANON_RATE", "100000000/hour")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--per-round", type=int, default=50)
    parser.add_argument("--profile", help="write a cProfile of 300 sends here")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from agents.keys.services import agent_key_create
    from agents.models import AgentKind
    from auditlog.actors import Actor
    from scripts.bench.wsgi import application
    from tests.support.factories import AgentFactory, OrganizationFactory

    name = f"profile-{uuid.uuid4().hex[:8]}"
    org = OrganizationFactory(slug=name, name=name)
    recipient = AgentFactory(organization=org)
    runtime = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)
    _key, raw = agent_key_create(agent=runtime, by=Actor.system("profile"), name="profile")
    body = json.dumps({"performative": "inform", "to": [str(recipient.pk)],
                       "content": {"text": "hello", "n": 1}}).encode()
    echo, send = ("/bench/echo/", {}), ("/api/v1/messages/", {"HTTP_AUTHORIZATION": f"Agent {raw}"})

    def call(path: str, headers: dict[str, str]) -> None:
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
                   "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000", "SERVER_PROTOCOL": "HTTP/1.1",
                   "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                   "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
                   "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
                   "wsgi.version": (1, 0), **headers}
        status: list[str] = []
        result = application(environ, lambda s, h, *a: status.append(s))
        b"".join(result)
        result.close()
        if not status[0].startswith("201"):
            raise RuntimeError(f"{path}: {status[0]}")

    def cpu_ms(target: tuple[str, dict[str, str]], n: int) -> float:
        started = time.process_time()
        for _ in range(n):
            call(*target)
        return (time.process_time() - started) / n * 1000

    def calls(target: tuple[str, dict[str, str]], n: int = 50) -> float:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(n):
            call(*target)
        profile.disable()
        return sum(entry.callcount for entry in profile.getstats()) / n

    for target in (echo, send):  # warm up: imports, the pool, the key cache
        cpu_ms(target, 100)
    rounds = [(cpu_ms(echo, args.per_round), cpu_ms(send, args.per_round)) for _ in range(args.rounds)]
    print(json.dumps({
        "echo_cpu_ms": round(statistics.median(e for e, _ in rounds), 3),
        "send_cpu_ms": round(statistics.median(s for _, s in rounds), 3),
        "send_over_echo": round(statistics.median(s / e for e, s in rounds), 2),
        "echo_python_calls": round(calls(echo)), "send_python_calls": round(calls(send)),
    }, indent=2))
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(300):
            call(*send)
        profile.disable()
        profile.dump_stats(args.profile)
        print(f"profile of 300 sends written to {args.profile}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
