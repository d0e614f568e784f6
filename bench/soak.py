"""`make soak`: the production stack under load and faults (issue 8).

Starts hub.serve's Stack on 127.0.0.1 (gunicorn, 2 workers; the supervised graph engine
`graph_engine run`, the graph worker `graph_sync` and the search index worker `outbox_sync`,
with OUTBOX_APPLY_ON_COMMIT=0 for the web processes) on a throwaway PostgreSQL (hub.pgtemp),
loads the synthetic data set (hub.dataset; Germany scale by default, SOAK_SIZE=small|tiny
for quick runs), creates editors with read-write API tokens, waits until the graph and the
search index are built, and drives the stack with locust (bench/soak_locustfile.py)
headless: SOAK_USERS (50) users for SOAK_SECONDS (120). Faults (bench/soak_faults.py): one
gunicorn worker SIGKILLed, the graph worker restarted, the graph engine SIGKILLed and kept
down for 20 s; the time to converge after each is measured. Afterwards: every acknowledged
write is looked up in PostgreSQL, the outbox must drain, graph_check must find no drift and
the search index must hold exactly the database's rows. Loopback only, bounded in users,
time and data.
"""

from __future__ import annotations

import csv
import json
import os
import re
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
    if any(w.startswith("graph_engine") for w in workers):  # the Stack owns the engine
        env["GRAPH_AUTOSTART"] = "0"
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout


def _stats(prefix: str) -> Table:
    table = Table("Soak: per endpoint (locust; ms)", ["endpoint", "requests", "failures",
                                                      "req/s", "p50", "p95", "p99"])
    with open(f"{prefix}_stats.csv") as rows:
        for row in csv.DictReader(rows):
            table.add(f"{row['Type']} {row['Name']}".strip(), row["Request Count"],
                      row["Failure Count"], float(row["Requests/s"]), row["50%"], row["95%"],
                      row["99%"])
    return table


WORKERS = "graph_engine run,graph_sync,outbox_sync --consumer knowledge.index.consume"


def _load(stop: threading.Event, samples: list[float]) -> None:
    while not stop.wait(5):
        samples.append(os.getloadavg()[0])


def run_soak(*, size: str, seconds: int, users: int) -> list[Table]:
    from bench.soak_faults import CONVERGE_TIMEOUT, Faults, Probe, wait_until
    from hub import pgtemp
    from hub.serve import Stack, free_port

    municipalities, software, per = SIZES[size]
    workdir = Path(tempfile.mkdtemp(prefix="kommunalhub-soak-"))
    fixtures, acked, prefix = workdir / "fixtures.json", workdir / "acked.json", workdir / "locust"
    workers = [w for w in os.environ.get("SOAK_WORKERS", WORKERS).split(",") if w]
    figures: list[tuple[str, object]] = []
    load: list[float] = []
    with pgtemp.cluster() as database_url:
        env = _env(database_url, workdir, workers)
        consumers = ["graph.projection.consume", "knowledge.index.consume"]
        _manage(env, "manage.py", "migrate", "--noinput", "-v0")
        loaded = time.perf_counter()
        _manage(env, "manage.py", "generate_dataset", "-v0", f"--municipalities={municipalities}",
                f"--software={software}", f"--usages-per-municipality={per}", "--seed=1")
        loaded = time.perf_counter() - loaded
        counts = json.loads(_manage(env, "-m", "bench.soak_db", "counts"))
        prepared = json.loads(_manage(env, "-m", "bench.soak_db", "prepare", str(fixtures)))
        log = open(workdir / "stack.log", "w")
        with Stack(port=free_port(), web_concurrency=2, workers=workers, env=env,
                   stdout=subprocess.DEVNULL, stderr=log) as stack:
            probe = Probe(database_url, stack.url)
            stop = threading.Event()
            # Only this (the main) thread polls the Stack: it spawns the restarted workers,
            # and a child's PR_SET_PDEATHSIG fires when the *thread* that spawned it ends.
            sampler = threading.Thread(target=_load, args=(stop, load), daemon=True)
            sampler.start()
            # the bulk load's rebuild event: graph and search index are built before the load
            projected = wait_until(lambda: not any(probe.pending(consumers).values()),
                                   timeout=1800, step=1, tick=stack.poll)
            figures.append(("initial projection (graph rebuild + search index, s)",
                            round(projected, 1) if projected is not None else "timed out"))
            faults = Faults(stack=stack, probe=probe, env=env, root=ROOT,
                            log_path=workdir / "faults.log")
            injector = threading.Thread(target=faults.run, args=(seconds, stop), daemon=True)
            locust_env = {**env, "SOAK_FIXTURES": str(fixtures), "SOAK_ACKED": str(acked)}
            with open(workdir / "locust.log", "w") as locust_log:
                locust = subprocess.Popen(
                    [sys.executable, "-m", "locust", "-f",
                     str(ROOT / "bench" / "soak_locustfile.py"), "--headless",
                     "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{seconds}s",
                     "--host", stack.url, "--csv", str(prefix), "--only-summary",
                     "--loglevel", "WARNING", "--stop-timeout", "10"],
                    cwd=ROOT, env=locust_env, stdout=subprocess.DEVNULL, stderr=locust_log)
                injector.start()
                try:
                    wait_until(lambda: locust.poll() is not None, timeout=seconds + 120,
                               tick=stack.poll)
                finally:
                    if locust.poll() is None:
                        locust.terminate()
                    locust.wait()
            load_ended = time.monotonic()
            drained = wait_until(lambda: not any(probe.pending(consumers).values()),
                                 timeout=900, step=1, since=load_ended, tick=stack.poll)
            injector.join()
            wait_until(lambda: not faults.tracking(), timeout=CONVERGE_TIMEOUT, tick=stack.poll)
            stop.set()
            backlog = probe.pending(consumers)
            verified = json.loads(_manage(env, "-m", "bench.soak_db", "verify", str(acked)))
            checked = time.perf_counter()
            graph_check = subprocess.run([sys.executable, "manage.py", "graph_check"], cwd=ROOT,
                                         env=env, capture_output=True, text=True)
            checked = time.perf_counter() - checked
            probe.close()
        log.close()
    stack_log = (workdir / "stack.log").read_text(errors="replace")
    status = json.load(open(acked)).get("status", {})
    summary = Table(f"Soak: {users} users, {seconds} s, PostgreSQL, gunicorn 2 workers, "
                    f"workers {workers}; data set {size} ({counts['municipalities']} "
                    f"municipalities, {counts['software']} products, {counts['usages']} "
                    f"usages, generated in {loaded:.0f} s; {prepared['editors']} editor tokens)",
                    ["figure", "value"])
    for name, value in figures:
        summary.add(name, value)
    served = sum(v for k, v in status.items() if k in {"2xx", "3xx", "4xx", "5xx", "exception"})
    summary.add("requests served (all responses)", served)
    summary.add("responses by status", json.dumps(status, sort_keys=True))
    summary.add("5xx responses (target 0)", status.get("5xx", 0))
    summary.add("degraded answers while the graph was down",
                f"{status.get('degraded', 0)} GraphQL GRAPH_UNAVAILABLE, "
                f"{status.get('page_notice', 0)} pages with the notice")
    summary.add("faults injected", "; ".join(faults.log) or "none")
    for name, value in faults.rows():
        summary.add(name, value)
    recovery = re.findall(r'"message": "(graph (?:restored from an older snapshot|empty, '
                          r'foreign)[^"]*)"', stack_log)
    summary.add("graph recovery by the worker after the engine restart",
                "; ".join(recovery) or "none needed")
    summary.add("acknowledged creates / missing in PostgreSQL",
                f"{verified.get('created_acked')} / {verified.get('created_missing')}")
    summary.add("acknowledged updates / lost",
                f"{verified.get('updated_acked')} / {verified.get('updated_lost')}")
    summary.add("outbox backlog 0, seconds after the end of the load",
                round(drained, 1) if drained is not None else f"not drained: {backlog}")
    summary.add("graph_check after the run",
                f"exit {graph_check.returncode} in {checked:.0f} s: "
                f"{(graph_check.stdout + graph_check.stderr).strip()[:300]}")
    summary.add("search index vs database (documents missing/extra)",
                json.dumps(verified.get("search_drift")) if verified.get("search_drift")
                else "match")
    summary.add("load average (1 min) during the run: mean / max",
                f"{sum(load) / max(1, len(load)):.1f} / {max(load, default=0):.1f} (2 cores, "
                f"shared)")
    summary.add("work directory (stack.log, locust.log, CSV)", str(workdir))
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
