"""Faults of the soak (bench/soak.py) and how long the stack takes to converge after each.

Three faults at spaced points of the load run, each followed by its own tracker thread:
- one gunicorn worker SIGKILLed: time until the master has two workers again, and until the
  graph consumer has applied every event that existed at the kill;
- the graph worker (`graph_sync`) restarted (SIGTERM, the Stack brings it back): time until
  it runs again and has applied every event that existed at the restart;
- the graph engine SIGKILLed (its pid from `manage.py graph_engine pid`, i.e. its pidfile)
  and kept down for ENGINE_DOWN seconds (`Stack.hold`), then started again by the Stack as in
  production. While it is down, /readyz?check=graph is sampled (it must say the graph is
  down) and the outbox events written meanwhile are counted (writes keep succeeding); after
  the restart: time until /readyz reports the graph up and until the graph consumer has
  applied every event that existed at the restart (which includes rebuilding the graph when
  the engine came back empty or from an old snapshot), and until `graph_check` finds no drift
  (repeated while writes still arrive).

The database is watched with plain SQL through its own connection (psycopg), so watching
costs the stack nothing but a few tiny queries.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

GRAPH_CONSUMER = "graph.projection.consume"
ENGINE = "graph_engine"
GRAPH_WORKER = "graph_sync"
ENGINE_DOWN = 20.0
CONVERGE_TIMEOUT = 900.0


class Probe:
    """Outbox positions from PostgreSQL and readiness from the stack."""

    def __init__(self, database_url: str, url: str) -> None:
        import psycopg

        self._conn = psycopg.connect(database_url, autocommit=True)
        self._lock = threading.Lock()
        self.url = url

    def _one(self, sql: str, *params) -> int:
        with self._lock:
            row = self._conn.execute(sql, params).fetchone()
        return int(row[0] or 0) if row else 0

    def newest(self) -> int:
        return self._one("SELECT max(id) FROM hub_outboxevent")

    def cursor(self, consumer: str = GRAPH_CONSUMER) -> int:
        return self._one("SELECT last_event_id FROM hub_outboxcursor WHERE consumer = %s",
                         consumer)

    def pending(self, consumers: list[str]) -> dict[str, int]:
        return {c: self._one("SELECT count(*) FROM hub_outboxevent WHERE id > %s",
                             self.cursor(c)) for c in consumers}

    def graph_ready(self) -> bool | None:
        try:
            with urllib.request.urlopen(self.url + "/readyz?check=graph", timeout=5) as answer:
                body = answer.read()
        except urllib.error.HTTPError as exc:  # 503: not ready, the body says why
            body = exc.read()
        except OSError:
            return None
        return bool(json.loads(body)["checks"]["graph"]["ok"])

    def close(self) -> None:
        self._conn.close()


def wait_until(condition: Callable[[], object], timeout: float = CONVERGE_TIMEOUT,
               step: float = 0.25, since: float | None = None,
               tick: Callable[[], object] | None = None) -> float | None:
    """Seconds from `since` (default: now) until `condition()` held, None when it did not
    within `timeout`; `tick` runs at every step (the main thread polls the Stack)."""
    started = time.monotonic()
    since = started if since is None else since
    while time.monotonic() - started < timeout:
        if tick is not None:
            tick()
        if condition():
            return time.monotonic() - since
        time.sleep(min(step, 0.2) if tick is not None else step)
    return None


def _secs(value: float | None) -> str:
    return "not within the time limit" if value is None else f"{value:.1f} s"


class _Log(list):
    """The fault log, also written to a file as it happens (for a run that is interrupted)."""

    def __init__(self, path: Path | None) -> None:
        super().__init__()
        self.path = path

    def append(self, line: str) -> None:
        super().append(line)
        if self.path is not None:
            with open(self.path, "a") as out:
                out.write(line + "\n")


class Faults:
    """Inject the faults at fractions of the run and record what happened (lines for the
    report, convergence figures in `converged`)."""

    def __init__(self, *, stack, probe: Probe, env: dict[str, str], root: Path,
                 engine_down: float = ENGINE_DOWN, log_path: Path | None = None) -> None:
        self.stack, self.probe, self.env, self.root = stack, probe, env, root
        self.engine_down = engine_down
        self.log = _Log(log_path)
        self.converged: dict[str, dict[str, float | None]] = {}
        self.trackers: list[threading.Thread] = []
        self.started = time.monotonic()

    def _at(self) -> str:
        return f"{time.monotonic() - self.started:.0f} s"

    def run(self, seconds: float, stop: threading.Event) -> None:
        plan = [(0.15, self.kill_gunicorn_worker), (0.35, self.restart_graph_worker),
                (0.5, self.kill_graph_engine)]
        self.started = time.monotonic()
        for at, fault in plan:
            if stop.wait(max(0.0, self.started + at * seconds - time.monotonic())):
                return
            tracker = threading.Thread(target=self._guarded, args=(fault,), daemon=True)
            tracker.start()
            self.trackers.append(tracker)

    def _guarded(self, fault: Callable[[], None]) -> None:
        try:
            fault()
        except Exception as exc:  # noqa: BLE001 - reported, the run goes on
            self.log.append(f"{self._at()}: {fault.__name__} failed: {exc!r}\n"
                            + traceback.format_exc())

    def tracking(self) -> bool:
        """A fault is still waiting for the stack to converge."""
        return any(tracker.is_alive() for tracker in self.trackers)

    # -- the faults -----------------------------------------------------------------------

    def kill_gunicorn_worker(self) -> None:
        victim = self.stack.gunicorn_worker_pids()[0]
        target = self.probe.newest()
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        self.log.append(f"{self._at()}: gunicorn worker {victim} SIGKILLed")
        replaced = wait_until(lambda: len(pids := self.stack.gunicorn_worker_pids()) == 2
                              and victim not in pids, since=killed)
        caught_up = wait_until(lambda: self.probe.cursor() >= target, since=killed)
        self.converged["gunicorn worker kill"] = {"replaced": replaced, "caught_up": caught_up}

    def restart_graph_worker(self) -> None:
        old = self.stack.pid(GRAPH_WORKER)
        target = self.probe.newest()
        self.stack.signal(GRAPH_WORKER, signal.SIGTERM)
        stopped = time.monotonic()
        self.log.append(f"{self._at()}: graph worker {old} restarted (SIGTERM)")
        back = wait_until(lambda: self.stack.pid(GRAPH_WORKER) not in (None, old), since=stopped)
        caught_up = wait_until(lambda: self.probe.cursor() >= target, since=stopped)
        self.converged["graph worker restart"] = {"running_again": back, "caught_up": caught_up}

    def engine_pid(self) -> int:
        return int(subprocess.run(
            [sys.executable, "manage.py", "graph_engine", "pid"], cwd=self.root, env=self.env,
            check=True, capture_output=True, text=True).stdout.strip())

    def kill_graph_engine(self) -> None:
        pid, runner = self.engine_pid(), self.stack.pid(ENGINE)
        before = self.probe.newest()
        self.stack.hold(ENGINE, self.engine_down)
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        self.log.append(f"{self._at()}: graph engine {pid} SIGKILLed, kept down "
                        f"{self.engine_down:.0f} s")
        samples: list[bool | None] = []
        while time.monotonic() - killed < self.engine_down - 1:
            samples.append(self.probe.graph_ready())
            time.sleep(1.0)
        restart = wait_until(lambda: self.stack.pid(ENGINE) not in (None, runner), timeout=60,
                             step=0.05, since=killed)
        restarted = time.monotonic()
        target = self.probe.newest()
        self.log.append(f"{self._at()}: graph engine started again by the Stack; "
                        f"{target - before} outbox events written while it was down; "
                        f"/readyz graph down in {samples.count(False)} of {len(samples)} "
                        f"samples")
        up = wait_until(lambda: self.probe.graph_ready(), since=restarted)
        caught_up = wait_until(lambda: self.probe.cursor() >= target, since=restarted)
        # graph_check compares every row; writes still arriving under load can show as drift
        # until the worker's next pass, so it is repeated until it is clean
        clean = wait_until(self.graph_check_clean, since=restarted, step=1.0)
        self.converged["graph engine kill"] = {
            "down_s": restart, "readyz_graph_up": up,
            "caught_up": caught_up, "graph_check_clean": clean,
            "readyz_down_samples": samples.count(False),
            "samples": len(samples), "events_while_down": target - before}

    def graph_check_clean(self) -> bool:
        return subprocess.run([sys.executable, "manage.py", "graph_check"], cwd=self.root,
                              env=self.env, capture_output=True).returncode == 0

    def rows(self) -> list[tuple[str, str]]:
        """(figure, value) lines for the summary table."""
        out = []
        for name, figures in self.converged.items():
            parts = []
            for key, value in figures.items():
                if key in {"readyz_down_samples", "samples", "events_while_down", "down_s"}:
                    continue
                parts.append(f"{key.replace('_', ' ')} {_secs(value)}")
            out.append((f"converge after {name}", "; ".join(parts)))
        return out
