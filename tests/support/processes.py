"""Real MABOS processes (gunicorn, Celery worker) and private Redis servers for fault tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from tests.support.polling import wait_until

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database pytest-django created, for processes started by a test."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def process_env(**overrides: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": test_database_url(), "PYTHONUNBUFFERED": "1"}
    env.update(overrides)
    return env


@dataclass
class Process:
    """A child process whose output goes to a log file we can show when a test fails."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen | None = field(default=None, init=False)

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(self.args, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def send_signal(self, sig: int = signal.SIGTERM) -> None:
        """Send ``sig`` to its process group without waiting (``stop`` waits)."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def local_ports(self) -> list[int]:
        """The local TCP ports of every process of its group (a worker and its children): which of the
        database's backends serve it (``pg_stat_activity.client_port``), when several workers run."""
        if not self.alive():
            return []
        inodes = set()
        for proc in Path("/proc").iterdir():
            try:
                if not proc.name.isdigit() or os.getpgid(int(proc.name)) != self.popen.pid:
                    continue
                for fd in (proc / "fd").iterdir():
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
            except OSError:  # the process ended meanwhile, or is not ours to read
                continue
        ports = []
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError), open(table) as lines:
                for line in list(lines)[1:]:
                    words = line.split()
                    if words[9] in inodes:
                        ports.append(int(words[1].rsplit(":", 1)[1], 16))
        return ports


def processes_stop(procs: list[Process], timeout: float = 20) -> None:
    """Stop them all at once: SIGTERM to every one first, then wait for each (SIGKILL past ``timeout``)."""
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.stop(timeout=timeout)


def start_gunicorn(tmp: Path, **env: str) -> tuple[Process, str]:
    port = free_port()
    proc = Process(
        [str(BIN / "gunicorn"), "-c", "config/gunicorn.py"],
        process_env(**{"HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1", "WEB_THREADS": "2", **env}),
        tmp / f"gunicorn-{port}.log",
    ).start()
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.alive(), f"gunicorn exited:\n{proc.output()}"
        with urllib.request.urlopen(f"{base}/health/live/", timeout=2) as resp:
            return resp.status == 200

    wait_until(up, timeout=30, message="gunicorn serving /health/live/")
    return proc, base


ALL_QUEUES = "messages,reasoning,actions,learning,default"


def start_worker(tmp: Path, name: str = "w1", concurrency: int = 1, queues: str = ALL_QUEUES, **env: str) -> Process:
    """A Celery worker consuming ``queues`` (all five by default, as the Procfile's); its log is
    ``tmp/worker-<name>.log``."""
    return Process(
        [str(BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO", f"--hostname={name}@%h",
         f"--queues={queues}", f"--concurrency={concurrency}",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        process_env(MABOS_PROCESS_ROLE="worker", **env),
        tmp / f"worker-{name}.log",
    ).start()


def start_beat(tmp: Path, name: str = "beat", **env: str) -> Process:
    """Celery beat on its own, as the Procfile runs it (its schedule file in ``tmp``); log ``tmp/<name>.log``."""
    return Process(
        [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO", f"--schedule={tmp / f'{name}-schedule'}"],
        process_env(MABOS_PROCESS_ROLE="worker", **env),
        tmp / f"{name}.log",
    ).start()


def logged_ready(proc: Process) -> bool:
    """Celery said the worker consumes ("celery@... ready.")."""
    return " ready." in proc.log_path.read_text(errors="replace") if proc.log_path.exists() else False


@dataclass
class RedisServer:
    """A private Redis a test may stop and start without disturbing the shared one."""

    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [os.environ.get("MABOS_TEST_REDIS_SERVER", "redis-server"), "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self.answers, timeout=15, message=f"redis on {self.port}")
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
