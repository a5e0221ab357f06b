#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL 15 and Redis 7, then always stop them.

    python scripts/testenv.py -- pytest -x
    python scripts/testenv.py --durable --pg track_commit_timestamp=on -- python scripts/bench/run.py

Both servers run from the system binaries, on free loopback ports, in a temp
directory that is removed afterwards. Missing binaries (and libfaketime, which
shifts one test process's clock, and Chromium, which the browser tests in
tests/browser drive through Playwright) are installed with
apt-get when running as root; otherwise the script says what to install.
PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.

Tests run PostgreSQL without durability (fsync, synchronous_commit and
full_page_writes off): a throwaway database need not survive a power cut, and
the suite is much faster. ``--durable`` runs it with the production settings
instead (all three on, named explicitly), which is what `make bench` uses so
that its figures hold for a real deployment. ``--pg NAME=VALUE`` adds a server
setting (repeatable).

Standard library only: it runs before anything else is installed.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# initdb's bootstrap role, hence a superuser: the suite needs one, because Django's flush between tests
# TRUNCATEs the append-only audit table, which only a superuser (or a member of mabos_audit_admin) may do
# (auditlog/migrations/0003). Tests that play the application role create a plain role of their own.
PG_USER = "mabos"
PG_DB = "mabos"
#: The durability settings, as tests run them (fast) and as production runs them (PostgreSQL's defaults).
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


def log(message: str) -> None:
    print(f"[testenv] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: (p.split("/")[-2] != "15", p))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.insert(0, str(Path(os.path.realpath(on_path)).parent))
    for folder in candidates:
        if all((Path(folder) / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


def find_libfaketime() -> str | None:
    """libfaketime shifts one test process's clock (the clock-skew ordering test)."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    return found[0] if found else None


#: Debian's Chromium, which the browser tests (tests/browser) drive through Playwright's executable_path:
#: no browser is downloaded by Playwright.
CHROMIUM = Path("/usr/bin/chromium")


def ensure_installed() -> tuple[Path, str]:
    pg_bin, redis_bin = find_pg_bin(), shutil.which("redis-server")
    missing = [pkg for pkg, found in (("postgresql", pg_bin), ("redis-server", redis_bin),
                                      ("libfaketime", find_libfaketime()),
                                      ("chromium", CHROMIUM.exists())) if not found]
    if missing:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            sys.exit(f"[testenv] missing: {', '.join(missing)}. Install them first, e.g.\n"
                     f"    sudo apt-get install -y {' '.join(missing)}")
        log(f"installing {', '.join(missing)} with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        pg_bin, redis_bin = find_pg_bin(), shutil.which("redis-server")
    if not pg_bin or not redis_bin:
        sys.exit("[testenv] PostgreSQL or Redis binaries are still missing after installing.")
    if not CHROMIUM.exists():
        sys.exit(f"[testenv] {CHROMIUM} is still missing after installing chromium.")
    return pg_bin, redis_bin


def as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL will not run as root; drop to the postgres user when we are root."""
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
    return ["runuser", "-u", "postgres", "--", *cmd]


def wait_for(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:g}s")


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Services:
    def __init__(self, pg_bin: Path, redis_bin: str, pg_settings: dict[str, str] | None = None):
        self.pg_bin, self.redis_bin = pg_bin, redis_bin
        self.pg_settings = {**FAST, "max_connections": "300", **(pg_settings or {})}
        self.root = Path(tempfile.mkdtemp(prefix="mabos-test-"))
        self.pgdata = self.root / "pg"
        self.pg_port, self.redis_port = free_port(), free_port()
        self.redis: subprocess.Popen | None = None
        self.pg_started = False

    def start(self) -> dict[str, str]:
        if os.geteuid() == 0:
            as_postgres([])  # creates the postgres user when it is missing
            shutil.chown(self.root, user="postgres")
        self._start_postgres()
        self._start_redis()
        return {
            "MABOS_ENV": "test",
            "DATABASE_URL": f"postgres://{PG_USER}@127.0.0.1:{self.pg_port}/{PG_DB}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "MABOS_TEST_PG_BIN": str(self.pg_bin),
            "MABOS_TEST_PGDATA": str(self.pgdata),
            "MABOS_TEST_REDIS_SERVER": self.redis_bin,
            "MABOS_TEST_RUN_DIR": str(self.root),
            # Prometheus multiprocess files of the test run and of every process it starts.
            "METRICS_DIR": str(self.root / "metrics"),
        }

    def _start_postgres(self) -> None:
        durability = ", ".join(f"{name}={self.pg_settings[name]}" for name in DURABLE)
        log(f"PostgreSQL ({self.pg_bin}) on 127.0.0.1:{self.pg_port} ({durability})")
        subprocess.run(as_postgres([str(self.pg_bin / "initdb"), "-D", str(self.pgdata), "-U", PG_USER,
                                    "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"]),
                       check=True, stdout=subprocess.DEVNULL)
        options = " ".join([f"-p {self.pg_port} -k {self.root} -c listen_addresses=127.0.0.1",
                            *(f"-c {name}={value}" for name, value in self.pg_settings.items())])
        subprocess.run(as_postgres([str(self.pg_bin / "pg_ctl"), "-D", str(self.pgdata), "-o", options,
                                    "-l", str(self.root / "postgres.log"), "-w", "-t", "60", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        self.pg_started = True
        subprocess.run(as_postgres([str(self.pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port),
                                    "-U", PG_USER, PG_DB]), check=True)

    def _start_redis(self) -> None:
        log(f"Redis ({self.redis_bin}) on 127.0.0.1:{self.redis_port}")
        (self.root / "redis").mkdir()
        self.redis = subprocess.Popen(
            [self.redis_bin, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root / "redis"), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: redis_answers(self.redis_port), "Redis")

    def stop(self) -> None:
        if self.redis and self.redis.poll() is None:
            self.redis.terminate()
            try:
                self.redis.wait(10)
            except subprocess.TimeoutExpired:
                self.redis.kill()
        if self.pg_started:
            subprocess.run(as_postgres([str(self.pg_bin / "pg_ctl"), "-D", str(self.pgdata), "-m", "immediate",
                                        "-w", "stop"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.root, ignore_errors=True)
        log("services stopped")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def parse_options(options: list[str]) -> dict[str, str]:
    """The PostgreSQL settings asked for before ``--``: ``--durable`` and ``--pg NAME=VALUE``."""
    settings: dict[str, str] = {}
    words = iter(options)
    for word in words:
        if word == "--durable":
            settings.update(DURABLE)
        elif word == "--pg":
            name, sep, value = next(words, "").partition("=")
            if not sep or not name:
                sys.exit("[testenv] --pg takes NAME=VALUE, e.g. --pg track_commit_timestamp=on")
            settings[name] = value
        else:
            sys.exit(f"[testenv] unknown option {word!r}\n{__doc__}")
    return settings


def main(argv: list[str]) -> int:
    options: list[str] = []
    if "--" in argv:
        options, argv = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    pg_settings = parse_options(options)
    pg_bin, redis_bin = ensure_installed()
    services = Services(pg_bin, redis_bin, pg_settings)
    # Ctrl-C or a CI timeout: stop the child, then the services, then leave.
    signal.signal(signal.SIGTERM, _interrupt)
    child = None
    try:
        env = {**os.environ, **services.start()}
        child = subprocess.Popen(argv, env=env)
        return child.wait()
    except KeyboardInterrupt:
        if child and child.poll() is None:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
        return 130
    finally:
        services.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
