"""`make bench` for the graph projection (issue 4), on Germany-scale data.

Runs on its own SQLite database and its own embedded engine under var/bench/ (never the
development data), generated once by `manage.py generate_dataset` (11,000 Gemeinden,
2,000 products, 40 usages each; small with --quick) and reused. Each phase runs in a child
process so its peak memory is its own:

1. graph_rebuild (similarity included; target < 60 s), peak memory, the engine's memory;
2. the full similarity job alone (target < 30 s), peak memory;
3. p50/p95 over 100 random municipalities of similar, recommendations, used_with,
   replaced_by and connections at the discovery function (targets: similar p95 ≤ 5 ms,
   recommendations ≤ 20 ms, connections ≤ 50 ms);
4. the same `similar` ranking as one SQL query and computed on the fly in Cypher, with the
   shipped path's speed-up over each and whether all three rankings agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.tables import Table, p50_p95

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
FULL = {"municipalities": 11_000, "software": 2_000, "usages_per_municipality": 40}
QUICK = {"municipalities": 600, "software": 150, "usages_per_municipality": 20}
TARGETS_MS = {"similar": 5.0, "recommendations": 20.0, "connections": 50.0}


def _env(database: Path, engine_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": f"sqlite:///{database}", "KOMMUNALHUB_VAR_DIR": str(BENCH_DIR),
                "GRAPH_DATA_DIR": str(engine_dir), "GRAPH_NAME": "bench",
                "SECRET_KEY": env.get("SECRET_KEY", "bench-only-secret"), "DEBUG": "0",
                "PYTHONPATH": str(ROOT), "OUTBOX_APPLY_ON_COMMIT": "0", "LOG_LEVEL": "WARNING",
                "GRAPH_SIMILARITY_RERUN_AFTER": "1000000000"})
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("NEO4J_URI", None)  # the benchmark measures the embedded engine
    return env


def ensure_dataset(size: dict[str, int], name: str, engine_dir: Path) -> Path:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = BENCH_DIR / f"graph-{name}.sqlite3"
    done = database.with_suffix(".done")
    env = _env(database, engine_dir)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True)
    if not done.exists():
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "generate_dataset", "-v0", "--flush",
                        f"--municipalities={size['municipalities']}",
                        f"--software={size['software']}",
                        f"--usages-per-municipality={size['usages_per_municipality']}",
                        "--seed=1"], cwd=ROOT, env=env, check=True)
        done.write_text(json.dumps(size))
        print(f"(data set {name} generated in {time.perf_counter() - started:.0f} s)", flush=True)
    return database


def _phase(phase: str, database: Path, engine_dir: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.graph_worker", phase], cwd=ROOT,
                         env=_env(database, engine_dir), check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(*, quick: bool) -> list[Table]:
    from graph.client import EmbeddedEngine

    name, size = ("quick", QUICK) if quick else ("full", FULL)
    engine_dir = BENCH_DIR / f"engine-{name}"
    database = ensure_dataset(size, name, engine_dir)
    engine = EmbeddedEngine(engine_dir)
    engine.ensure()  # one engine for every phase; the children reuse it, we stop it
    try:
        built = _phase("rebuild", database, engine_dir)
        job = _phase("similarity", database, engine_dir)
        reads = _phase("latency", database, engine_dir)
    finally:
        engine.stop(save=False)
    counts = built["counts"]
    scale = (f"{counts['municipality']:,} municipalities, {counts['usage']:,} usages, "
             f"{counts['software']:,} products")
    build = Table(f"Graph projection at {scale} (embedded FalkorDB, 2 cores)",
                  ["step", "seconds", "target s", "peak RSS MB (process)", "engine RSS MB"])
    build.add("graph_rebuild (incl. similarity)", built["seconds"], "< 60",
              built["peak_rss_mb"], built["engine_mb"])
    build.add("  of which similarity", built["similarity_seconds"], "", "", "")
    build.add("similarity job alone (live graph)", job["seconds"], "< 30", job["peak_rss_mb"],
              job["engine_mb"])
    build.add(f"(process baseline after start-up: {built['baseline_rss_mb']:.0f} MB; "
              f"{job['relationships']:,} SIMILAR_TO written)", "", "", "", "")

    latency = Table("Discovery at the discovery function, 100 random municipalities (ms)",
                    ["read", "p50", "p95", "target p95", "meets"])
    for read, samples in reads["functions"].items():
        p50, p95 = p50_p95(samples)
        target = TARGETS_MS.get(read)
        latency.add(read, p50, p95, f"≤ {target:.0f}" if target else "-",
                    ("yes" if p95 <= target else "NO") if target else "-")

    sim = reads["similar"]
    shipped50, shipped95 = p50_p95(sim["shipped"])
    compare = Table(f"`similar` (top 10) three ways, same 100 municipalities; database: "
                    f"{sim['database']}",
                    ["path", "p50 ms", "p95 ms", "shipped faster (p50)", "shipped faster (p95)",
                     "same ranking as shipped"])
    compare.add("shipped: stored SIMILAR_TO (Cypher)", shipped50, shipped95, "-", "-", "-")
    for label, key, agree in (("one SQL query on the database", "sql", "agree_sql"),
                              ("Cypher on the fly", "cypher", "agree_cypher")):
        p50, p95 = p50_p95(sim[key])
        compare.add(label, p50, p95, f"{p50 / shipped50:.1f}×", f"{p95 / shipped95:.1f}×",
                    f"{sim[agree]}/{sim['samples']}"
                    + (" (all agree)" if sim[agree] == sim["samples"] else " (DIFFER)"))
    return [build, latency, compare]
