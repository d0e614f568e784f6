"""Production start (`make serve`): migrate, collect static files, then run gunicorn and the
background workers together, and stop them together.

Why a small supervisor of our own rather than only systemd units: `make serve` must be one
command on any machine, and the soak test must start and stop the very same stack from
Python (`with Stack(port=free_port(), ...) as stack:`), kill one of its processes and watch
it recover. On a server with systemd you may equally run one unit per process (see the
README, "Betrieb / Operations"); this module is then just the reference for the commands.

Processes:
- gunicorn (hub.gunicorn_conf): if it exits, the supervisor stops everything and exits with
  its code, so systemd or the container runtime restarts the whole stack.
- workers: management commands from settings.SERVE_WORKERS (by default the embedded graph
  engine unless Neo4j is configured, `graph_sync` and the search index's `outbox_sync`), each
  restarted with a growing delay (1 s … 60 s) when it exits; a projection worker that
  crashes must come back without taking the web down. `graph_engine run` is the embedded
  graph engine as such a worker; with it in the list the other processes get
  GRAPH_AUTOSTART=0 (they never start an engine of their own) and a reload leaves it alone.

SIGTERM/SIGINT stop all processes gracefully (SIGKILL after the grace period); SIGHUP
reloads: gunicorn replaces its workers gracefully and the background workers restart, so
new code is picked up without refusing a request (e.g. after a deploy). The environment
stays the one the stack was started with: changed variables (secrets) need a restart.

Used from Python, call `poll()` now and then (serve_forever does it twice a second): it
restarts workers that exited and tells you when gunicorn has. Call it from the thread that
started the stack and that outlives it: a child's parent-death signal (PR_SET_PDEATHSIG)
fires when the *thread* that spawned it ends, so a worker restarted from a short-lived
thread would be stopped with that thread.

Nothing here imports Django at module level, so gunicorn's config can import it cheaply.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import logging.config
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
logger = logging.getLogger("hub.serve")

GUNICORN = "gunicorn"
ENGINE = "graph_engine"  # SERVE_WORKERS entry `graph_engine run`: the supervised graph engine
RESTART_DELAY_MAX = 60.0
STABLE_AFTER = 60.0  # a worker that ran this long restarts at once after its next exit


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_metrics_dir() -> Path:
    var_dir = Path(os.environ.get("KOMMUNALHUB_VAR_DIR", BASE_DIR / "var"))
    return var_dir / "prometheus"


def prepare_metrics_dir(path: Path) -> Path:
    """Create PROMETHEUS_MULTIPROC_DIR and empty it: files of a previous run would be summed."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now (for throwaway stacks)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM when the supervisor dies, even by SIGKILL, so a crashed
    # soak run leaves no gunicorn behind on its port.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Proc:
    name: str
    argv: list[str]
    restart: bool
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    reloading: bool = False
    restarts: int = 0
    exit_codes: list[int] = field(default_factory=list)
    held_until: float = 0.0


class Stack:
    """gunicorn plus background workers as child processes, started and stopped together."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 8000,
                 web_concurrency: int | None = None, workers: Sequence[str] = (),
                 env: Mapping[str, str] | None = None, setup: bool = True,
                 python: str = sys.executable, cwd: Path = BASE_DIR,
                 stdout=None, stderr=None) -> None:
        self.host, self.port, self.setup, self.python, self.cwd = host, port, setup, python, cwd
        self.stdout, self.stderr = stdout, stderr
        self.env = {**os.environ, **(env or {}), "HOST": host, "PORT": str(port),
                    "PYTHONUNBUFFERED": "1"}
        if web_concurrency:
            self.env["WEB_CONCURRENCY"] = str(web_concurrency)
        # Hashed, compressed static files (whitenoise) once collectstatic has run.
        self.env.setdefault("KOMMUNALHUB_MANIFEST_STATIC", "1")
        var_dir = Path(self.env.get("KOMMUNALHUB_VAR_DIR", BASE_DIR / "var"))
        self.env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(var_dir / "prometheus"))
        self.procs: dict[str, Proc] = {
            GUNICORN: Proc(GUNICORN, [python, "-m", "gunicorn", "-c", "python:hub.gunicorn_conf",
                                      "hub.wsgi:application"], restart=False)}
        for command in workers:
            argv = shlex.split(command)
            self.procs[argv[0]] = Proc(argv[0], [python, "manage.py", *argv], restart=True)
        if ENGINE in self.procs:  # one owner restarts the engine; the others never start it
            self.env.setdefault("GRAPH_AUTOSTART", "0")

    @property
    def url(self) -> str:
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------

    def run_setup(self) -> None:
        """Migrate and collect static files; both are idempotent."""
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v", "0"]):
            subprocess.run([self.python, "manage.py", *command], cwd=self.cwd, env=self.env,
                           check=True, stdout=self.stdout, stderr=self.stderr)

    def start(self) -> Stack:
        prepare_metrics_dir(Path(self.env["PROMETHEUS_MULTIPROC_DIR"]))
        if self.setup:
            self.run_setup()
        for proc in self.procs.values():
            self._spawn(proc)
        return self

    def _spawn(self, proc: Proc) -> None:
        proc.popen = subprocess.Popen(
            proc.argv, cwd=self.cwd, env=self.env, stdout=self.stdout, stderr=self.stderr,
            start_new_session=True, preexec_fn=_die_with_parent)
        proc.started_at, proc.restart_at = time.monotonic(), None
        logger.info("started %s (pid %s)", proc.name, proc.popen.pid,
                    extra={"process_name": proc.name, "child_pid": proc.popen.pid})

    def wait_ready(self, timeout: float = 60.0, path: str = "/healthz") -> None:
        """Block until gunicorn answers `path` with 200; raise if it died or took too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.poll()
            if code is not None:
                raise RuntimeError(f"gunicorn exited with {code} before it was ready")
            with contextlib.suppress(OSError, urllib.error.URLError):
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            time.sleep(0.2)
        raise TimeoutError(f"{self.url}{path} not ready after {timeout:.0f} s")

    def poll(self) -> int | None:
        """Restart workers that exited (with backoff); gunicorn's exit code once it exited."""
        now = time.monotonic()
        for proc in self.procs.values():
            if proc.popen is None:
                continue
            code = proc.popen.poll()
            if code is None:
                continue
            if not proc.restart:
                return code
            if proc.restart_at is None:
                proc.exit_codes.append(code)
                ran = now - proc.started_at
                if proc.reloading:  # asked to stop by reload(): back at once
                    proc.failures, proc.reloading = 0, False
                else:
                    proc.failures = 0 if ran >= STABLE_AFTER else proc.failures + 1
                delay = min(RESTART_DELAY_MAX, 2.0 ** (proc.failures - 1)) if proc.failures else 0
                proc.restart_at = now + delay
                logger.warning("%s exited with %s after %.0f s; restart in %.0f s",
                               proc.name, code, ran, delay)
            if now >= max(proc.restart_at, proc.held_until):
                proc.restarts += 1
                self._spawn(proc)
        return None

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM to every process, SIGKILL to those still running after the grace period."""
        grace = timeout if timeout is not None else float(
            self.env.get("GUNICORN_GRACEFUL_TIMEOUT", "30")) + 5
        running = [p.popen for p in self.procs.values() if p.popen and p.popen.poll() is None]
        for popen in running:
            with contextlib.suppress(ProcessLookupError):
                popen.terminate()
        deadline = time.monotonic() + grace
        for popen in running:
            try:
                popen.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("pid %s did not stop in %.0f s; killing it", popen.pid, grace)
                popen.kill()
                popen.wait()
        self._stop_graph_engine()

    def _stop_graph_engine(self) -> None:
        """The embedded graph engine is started on demand by whichever process needs it first
        and outlives that process; the stack that served it stops it, so nothing is orphaned."""
        if self.env.get("NEO4J_URI"):
            return
        subprocess.run([self.python, "manage.py", "graph_engine", "stop"], cwd=self.cwd,
                       env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False, timeout=60)

    def reload(self) -> None:
        """Load new code without downtime: gunicorn replaces its workers gracefully (SIGHUP),
        the background workers are stopped and started again at once."""
        self.signal(GUNICORN, signal.SIGHUP)
        for proc in self.procs.values():
            # the engine runs no hub code: a reload would only cost a snapshot load
            if proc.restart and proc.name != ENGINE and self.pid(proc.name):
                proc.reloading = True
                proc.popen.terminate()

    def serve_forever(self) -> int:
        """Run until SIGTERM/SIGINT or until gunicorn exits; returns the exit code."""
        stopping: list[int] = []

        def on_stop(signum, frame) -> None:
            stopping.append(signum)

        def on_hup(signum, frame) -> None:
            self.reload()

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_hup)
        self.start()
        code = None
        while not stopping and code is None:
            code = self.poll()
            time.sleep(0.5)
        logger.info("stopping (%s)", f"signal {stopping[0]}" if stopping else f"gunicorn {code}")
        self.stop()
        return 0 if stopping else (code or 1)

    def __enter__(self) -> Stack:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- for fault injection and inspection (soak) ----------------------------------------

    def pid(self, name: str = GUNICORN) -> int | None:
        popen = self.procs[name].popen
        return popen.pid if popen and popen.poll() is None else None

    def signal(self, name: str, signum: int) -> None:
        pid = self.pid(name)
        if pid:
            os.kill(pid, signum)

    def hold(self, name: str, seconds: float) -> None:
        """Do not restart `name` for `seconds` after it exits (a fault test keeps the graph
        engine down for a while; an operator could do the same during maintenance)."""
        self.procs[name].held_until = time.monotonic() + seconds

    def gunicorn_worker_pids(self) -> list[int]:
        """The gunicorn master's children (Linux /proc)."""
        pid = self.pid(GUNICORN)
        if not pid:
            return []
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []


# The graph's consumer has a worker of its own (it also checks and prunes); every other
# outbox consumer runs under `outbox_sync --consumer X`.
GRAPH_CONSUMER, GRAPH_WORKER = "graph.projection.consume", "graph_sync"


def default_workers(consumers: Sequence[str], *, neo4j: bool) -> list[str]:
    """SERVE_WORKERS when none are configured: the embedded engine (not with Neo4j) and one
    worker per outbox consumer."""
    return [*([] if neo4j else [f"{ENGINE} run"]),
            *(GRAPH_WORKER if consumer == GRAPH_CONSUMER else f"outbox_sync --consumer {consumer}"
              for consumer in consumers)]


def consumers_run_by(workers: Sequence[str]) -> set[str]:
    """The outbox consumers that the given worker commands apply."""
    covered: set[str] = set()
    for command in workers:
        argv = shlex.split(command)
        if argv[:1] == [GRAPH_WORKER]:
            covered.add(GRAPH_CONSUMER)
        elif argv[:1] == ["outbox_sync"] and "--consumer" in argv[:-1]:
            covered.add(argv[argv.index("--consumer") + 1])
    return covered


def worker_env(workers: Sequence[str], consumers: Sequence[str],
               environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Environment the stack adds for its workers. When they apply every outbox consumer, the
    web processes stop applying projections after each commit (OUTBOX_APPLY_ON_COMMIT=0):
    a request then never waits for the graph, and a write is acknowledged as soon as the
    database has it. An explicit OUTBOX_APPLY_ON_COMMIT wins."""
    if "OUTBOX_APPLY_ON_COMMIT" in environ or not consumers:
        return {}
    if set(consumers) <= consumers_run_by(workers):
        return {"OUTBOX_APPLY_ON_COMMIT": "0"}
    return {}


def _configure_logging(log_format: str, level: str) -> None:
    from hub.logs import formatter_config

    logging.config.dictConfig({
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"default": formatter_config(log_format)},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "default"}},
        "root": {"level": level, "handlers": ["stderr"]},
    })


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hub.serve",
        description="Migrate, collect static files, run gunicorn and the background workers.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--web-concurrency", type=int, default=None,
                        help="gunicorn workers (default: WEB_CONCURRENCY or 2 × CPUs + 1)")
    parser.add_argument("--worker", action="append", default=None, metavar="COMMAND",
                        help="management command to run alongside (default: SERVE_WORKERS)")
    parser.add_argument("--no-setup", action="store_true",
                        help="skip migrate and collectstatic (a release step ran them)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    from django.conf import settings

    _configure_logging(settings.LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))
    workers = settings.SERVE_WORKERS if args.worker is None else args.worker
    stack = Stack(host=args.host, port=args.port, web_concurrency=args.web_concurrency,
                  workers=workers, env=worker_env(workers, settings.OUTBOX_CONSUMERS),
                  setup=not args.no_setup and env_flag("SERVE_SETUP", True))
    logger.info("workers: %s", ", ".join(workers) or "none (projections apply on commit)")
    return stack.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
