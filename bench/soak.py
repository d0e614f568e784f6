"""`make soak`: the production stack under load and faults (issue 8).

Starts hub.serve's Stack on 127.0.0.1 (gunicorn, 2 workers; the background workers of
SERVE_WORKERS, e.g. graph_sync, with OUTBOX_APPLY_ON_COMMIT=0 for the web processes) on a
throwaway PostgreSQL (hub.pgtemp), loads the synthetic data set (hub.dataset; Germany scale
by default, SOAK_SIZE=small for a quick run), creates editors with read-write API tokens,
and drives the stack with locust (bench/soak_locustfile.py) headless: SOAK_USERS (50) users
for SOAK_SECONDS (120). Faults during the run: one gunicorn worker SIGKILLed, each background
worker restarted (SIGTERM; the Stack brings it back). Afterwards: every acknowledged write is
looked up in PostgreSQL and the outbox must drain; the time until it has drained is reported.
Loopback only, bounded in users, time and data.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.tables import Table

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"germany": (11_000, 2_000, 40), "small": (1_500, 300, 10), "tiny": (300, 80, 5)}


def _env(database_url: str, var_dir: Path, workers: list[str]) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings"}
    env.update({"DATABASE_URL": database_url, "KOMMUNALHUB_VAR_DIR": str(var_dir),
                "SECRET_KEY": env.get("SECRET_KEY", "soak-only-secret"), "DEBUG": "0",
                "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
                "API_RATE_LIMIT_ANONYMOUS": "1000000/s",
                "API_RATE_LIMIT_AUTHENTICATED": "1000000/s", "DATABASE_CONN_MAX_AGE": "60",
                "OUTBOX_APPLY_ON_COMMIT": "0" if workers else "1"})
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout


def _faults(stack, seconds: float, log: list[str], stop: threading.Event) -> None:
    """Inject the faults at fixed points of the run, log what was done and when."""
    from hub.serve import GUNICORN

    started = time.monotonic()
    plan = [(0.25, "kill one gunicorn worker (SIGKILL)"), (0.5, "restart background workers")]
    for at, what in plan:
        if stop.wait(max(0.0, started + at * seconds - time.monotonic())):
            return
        if what.startswith("kill"):
            pids = stack.gunicorn_worker_pids()
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                log.append(f"{time.monotonic() - started:.0f} s: {what}, pid {pids[0]}")
        else:
            for name in stack.procs:
                if name != GUNICORN and stack.pid(name):
                    stack.signal(name, signal.SIGTERM)
                    log.append(f"{time.monotonic() - started:.0f} s: restarted {name}")
    while not stop.wait(0.5):
        stack.poll()


def _stats(prefix: str) -> Table:
    table = Table("Soak: per endpoint (locust; ms)", ["endpoint", "requests", "failures",
                                                      "req/s", "p50", "p95", "p99"])
    with open(f"{prefix}_stats.csv") as rows:
        for row in csv.DictReader(rows):
            table.add(f"{row['Type']} {row['Name']}".strip(), row["Request Count"],
                      row["Failure Count"], float(row["Requests/s"]), row["50%"], row["95%"],
                      row["99%"])
    return table


def run_soak(*, size: str, seconds: int, users: int) -> list[Table]:
    from hub import pgtemp
    from hub.serve import Stack, free_port

    municipalities, software, per = SIZES[size]
    workdir = Path(tempfile.mkdtemp(prefix="kommunalhub-soak-"))
    fixtures, acked, prefix = workdir / "fixtures.json", workdir / "acked.json", workdir / "locust"
    with pgtemp.cluster() as database_url:
        workers = os.environ.get("SOAK_WORKERS", "graph_sync").split(",")
        workers = [w for w in workers if w]
        env = _env(database_url, workdir, workers)
        _manage(env, "manage.py", "migrate", "--noinput", "-v0")
        loaded = time.perf_counter()
        _manage(env, "manage.py", "generate_dataset", "-v0", f"--municipalities={municipalities}",
                f"--software={software}", f"--usages-per-municipality={per}", "--seed=1")
        loaded = time.perf_counter() - loaded
        prepared = json.loads(_manage(env, "-m", "bench.soak_db", "prepare", str(fixtures)))
        faults: list[str] = []
        with Stack(port=free_port(), web_concurrency=2, workers=workers, env=env,
                   stdout=subprocess.DEVNULL, stderr=open(workdir / "stack.log", "w")) as stack:
            stop = threading.Event()
            injector = threading.Thread(target=_faults, args=(stack, seconds, faults, stop))
            injector.start()
            locust_env = {**env, "SOAK_FIXTURES": str(fixtures), "SOAK_ACKED": str(acked)}
            try:
                subprocess.run([sys.executable, "-m", "locust", "-f",
                                str(ROOT / "bench" / "soak_locustfile.py"), "--headless",
                                "-u", str(users), "-r", str(max(1, users // 5)),
                                "-t", f"{seconds}s", "--host", stack.url, "--csv", str(prefix),
                                "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                               cwd=ROOT, env=locust_env, check=False, timeout=seconds + 120,
                               stdout=subprocess.DEVNULL)
            finally:
                stop.set()
                injector.join()
            drain_started = time.monotonic()
            verified = {}
            while time.monotonic() - drain_started < 120:
                stack.poll()
                if not workers:  # applied on commit: run what is left
                    _manage(env, "-c", "import django; django.setup(); "
                            "from hub import outbox; outbox.apply_pending()")
                verified = json.loads(_manage(env, "-m", "bench.soak_db", "verify", str(acked)))
                if all(c["pending"] == 0 for c in verified["outbox"].values()):
                    break
                time.sleep(1)
            converged = time.monotonic() - drain_started
            graph_check = subprocess.run([sys.executable, "manage.py", "graph_check"], cwd=ROOT,
                                         env=env, capture_output=True, text=True)
            _manage(env, "manage.py", "graph_engine", "stop")
    status = json.load(open(acked)).get("status", {})
    summary = Table(f"Soak: {users} users, {seconds} s, PostgreSQL, gunicorn 2 workers, "
                    f"workers {workers or 'none (outbox applied on commit)'}; data set {size} "
                    f"({municipalities} Gemeinden, {software} products, {per} usages each, "
                    f"generated in {loaded:.0f} s; {prepared['editors']} editor tokens)",
                    ["figure", "value"])
    summary.add("responses by status", json.dumps(status, sort_keys=True))
    summary.add("5xx responses (target 0)", status.get("5xx", 0))
    summary.add("faults injected", "; ".join(faults) or "none")
    summary.add("acknowledged creates / missing in PostgreSQL",
                f"{verified.get('created_acked')} / {verified.get('created_missing')}")
    summary.add("acknowledged updates / lost",
                f"{verified.get('updated_acked')} / {verified.get('updated_lost')}")
    summary.add("outbox backlog after run",
                json.dumps({k: v["pending"] for k, v in verified.get("outbox", {}).items()}))
    summary.add("time to drain the outbox (s)", round(converged, 1))
    summary.add("graph_check after the run",
                f"exit {graph_check.returncode}: {graph_check.stdout.strip()[:200]}")
    return [_stats(str(prefix)), summary]


def main() -> int:
    tables = run_soak(size=os.environ.get("SOAK_SIZE", "germany"),
                      seconds=int(os.environ.get("SOAK_SECONDS", "120")),
                      users=int(os.environ.get("SOAK_USERS", "50")))
    for table in tables:
        print(table.render(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
