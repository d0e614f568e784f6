"""`make bench` for the GraphQL API (issue: p95 < 50 ms for a page of 100 municipalities with
usages; HTTP overhead against a plain JsonResponse view < 2×).

Runs on its own SQLite database under var/bench/ (never the development database), filled
once by `manage.py generate_dataset` at Germany scale (or small with --quick) and reused.
1. In-process: p50/p95 of typical queries executed against the schema (child process),
   wall clock and the process's CPU time (on a shared machine the wall clock includes
   waiting for a core; CPU time shows the work itself), through api.execution (the view's
   steps). Also the full (generation-2) garbage collections per 100 requests and the objects
   one request leaves in reference cycles (gc disabled during it, then gc.collect()).
2. Over HTTP: gunicorn with 2 sync workers serves /graphql and the plain view; 4 client
   threads send the portfolio query to each, in alternating windows; both answers are
   checked to be the same data. Ratio = plain throughput / GraphQL throughput, next to the
   ratio of the workers' CPU time per request (read from /proc).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bench.tables import Table, p50_p95

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
FULL = {"municipalities": 11_000, "software": 2_000, "usages_per_municipality": 40}
QUICK = {"municipalities": 600, "software": 150, "usages_per_municipality": 20}
TARGET_P95_MS = 50.0
TARGET_RATIO = 2.0


def _env(database: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({"DATABASE_URL": f"sqlite:///{database}", "KOMMUNALHUB_VAR_DIR": str(BENCH_DIR),
                "SECRET_KEY": env.get("SECRET_KEY", "bench-only-secret"), "DEBUG": "0",
                "PYTHONPATH": str(ROOT), "OUTBOX_APPLY_ON_COMMIT": "0", **extra})
    return env


def _manage(database: Path, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(database), check=True)


def ensure_dataset(size: dict[str, int], name: str) -> Path:
    """The benchmark database, generated once per size and reused afterwards."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = BENCH_DIR / f"api-{name}.sqlite3"
    done = database.with_suffix(".done")
    _manage(database, "migrate", "--noinput", "-v0")
    if not done.exists():
        started = time.perf_counter()
        _manage(database, "generate_dataset", "-v0", "--flush",
                f"--municipalities={size['municipalities']}", f"--software={size['software']}",
                f"--usages-per-municipality={size['usages_per_municipality']}", "--seed=1")
        done.write_text(json.dumps(size))
        print(f"(data set {name} generated in {time.perf_counter() - started:.0f} s)", flush=True)
    return database


def _load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def latency_table(database: Path, rounds: int, label: str) -> Table:
    load_before = _load_average()
    out = subprocess.run([sys.executable, "-m", "bench.api_worker", str(rounds)], cwd=ROOT,
                         env=_env(database), check=True, capture_output=True, text=True)
    table = Table(f"GraphQL API in-process, {label}, anonymous viewer, {rounds} runs each "
                  f"(target: p95 < {TARGET_P95_MS:.0f} ms for the 100-municipality page; "
                  f"load average before {load_before}, after {_load_average()} on "
                  f"{os.cpu_count()} cores)",
                  ["query", "nodes", "SQL queries", "p50 ms", "p95 ms", "p50 CPU ms",
                   "p95 CPU ms", "full GCs / 100 req", "cyclic garbage / req"])
    for row in json.loads(out.stdout.strip().splitlines()[-1]):
        table.add(row["name"], row["nodes"], row["queries"], *p50_p95(row["samples_ms"]),
                  *p50_p95(row["cpu_ms"]), row.get("full_gc_per_100", ""),
                  row.get("cyclic_garbage", ""))
    return table


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(database: Path, port: int) -> subprocess.Popen:
    env = _env(database, DJANGO_SETTINGS_MODULE="bench.http_settings", DATABASE_CONN_MAX_AGE="60",
               API_RATE_LIMIT_ANONYMOUS="1000000/s", ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="WARNING")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                                "--log-level", "warning", "hub.wsgi:application"],
                               cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def _request(port: int, endpoint: str) -> bytes:
    from bench.api_queries import PORTFOLIO_QUERY

    if endpoint == "graphql":
        body = json.dumps({"query": PORTFOLIO_QUERY, "variables": {"state": "05"}}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
    else:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/plain/portfolios?state=05")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def _load(port: int, endpoint: str, seconds: float, clients: int) -> tuple[int, float, list[float]]:
    """Requests completed, wall seconds, and latencies of `clients` threads for `seconds`."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            _request(port, endpoint)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), time.monotonic() - started, latencies


def _server_cpu_seconds(master: int) -> float:
    """User + system CPU of gunicorn's workers (children of the master), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def http_table(database: Path, seconds: float, clients: int = 4, windows: int = 4) -> Table:
    """Throughput of both endpoints in alternating windows (so both see the same load from
    other processes), and the workers' CPU time per request (independent of that load)."""
    port = _free_port()
    process = _start_gunicorn(database, port)
    totals = {e: {"requests": 0, "seconds": 0.0, "cpu": 0.0, "latencies": []}
              for e in ("graphql", "plain")}
    try:
        graphql = json.loads(_request(port, "graphql"))
        plain = json.loads(_request(port, "plain"))
        if graphql != plain:
            raise RuntimeError("the plain view and GraphQL answer different data")
        nodes = json.dumps(graphql).count('"node"')
        for endpoint in totals:
            _load(port, endpoint, 2, clients)  # warm both workers
        for _ in range(windows):
            for endpoint, total in totals.items():
                cpu_before = _server_cpu_seconds(process.pid)
                count, wall, latencies = _load(port, endpoint, seconds / windows, clients)
                total["cpu"] += _server_cpu_seconds(process.pid) - cpu_before
                total["requests"] += count
                total["seconds"] += wall
                total["latencies"] += latencies
    finally:
        process.terminate()
        process.wait(timeout=30)
    table = Table(f"Portfolio page ({nodes} nodes) over HTTP: gunicorn, 2 sync workers, "
                  f"{clients} client threads, {windows} alternating windows, {seconds:.0f} s "
                  f"per endpoint (target: overhead ratio < {TARGET_RATIO:.0f}×; load average "
                  f"after {_load_average()})",
                  ["endpoint", "requests", "req/s", "p50 ms", "p95 ms", "server CPU ms/req"])
    rates, cpu = {}, {}
    for endpoint, total in totals.items():
        rates[endpoint] = total["requests"] / total["seconds"]
        cpu[endpoint] = 1000 * total["cpu"] / max(total["requests"], 1)
        label = "POST /graphql" if endpoint == "graphql" else "GET plain JsonResponse view"
        table.add(label, total["requests"], rates[endpoint], *p50_p95(total["latencies"]),
                  cpu[endpoint])
    ratio, cpu_ratio = rates["plain"] / rates["graphql"], cpu["graphql"] / cpu["plain"]
    verdict = "meets" if ratio < TARGET_RATIO else "misses"
    table.add(f"overhead: throughput {ratio:.2f}×, CPU per request {cpu_ratio:.2f}× "
              f"({verdict} target)", "", "", "", "", "")
    return table


def run(*, quick: bool) -> list[Table]:
    size, name = (QUICK, "quick") if quick else (FULL, "germany")
    database = ensure_dataset(size, name)
    label = (f"{name} data set ({size['municipalities']} Gemeinden, {size['software']} products, "
             f"{size['usages_per_municipality']} usages each)")
    return [latency_table(database, rounds=10 if quick else 40, label=label),
            http_table(database, seconds=3 if quick else 20)]
