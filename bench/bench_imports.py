"""`make bench` for the imports (issue: import of 11,000 municipalities and of 400,000 usage
rows — rows per second and peak memory).

Runs on its own SQLite database under var/bench/ (never the development database), created
fresh for every run. The inputs are generated here: the GV-ISys register in the published,
messy layout (spaces as thousands separators, decimal commas) from the municipality list
shipped in hub/data, and an IT provider's inventory CSV with an AGS column and ~36 products
per municipality (400,000 rows; `--quick`: 1,500 municipalities and 20,000 rows). Each step
runs in a child process so that its peak RSS is its own.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from pathlib import Path

from bench.tables import Table

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
DATA = ROOT / "hub" / "data"
FULL = {"municipalities": None, "usage_rows": 400_000}
QUICK = {"municipalities": 1_500, "usage_rows": 20_000}
GV_HEADER = ["satzart", "textkennzeichen", "land", "rb", "kreis", "vb", "gemeinde",
             "gemeindename", "flaeche", "bevoelkerung", "postleitzahl", "laengengrad", "breitengrad"]
STATUSES = ["im Einsatz"] * 8 + ["Pilot", "geplant", "in Prüfung", "abgelöst"]


def _env(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": f"sqlite:///{database}", "KOMMUNALHUB_VAR_DIR": str(BENCH_DIR),
                "SECRET_KEY": env.get("SECRET_KEY", "bench-only-secret"), "DEBUG": "0",
                "PYTHONPATH": str(ROOT), "OUTBOX_APPLY_ON_COMMIT": "0"})
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _step(database: Path, task: str, path: Path | str = "-") -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.imports_worker", task, str(path)],
                         cwd=ROOT, env=_env(database), check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ").rjust(7)


def write_register(path: Path, limit: int | None, *, changed: float = 0.0, dropped: int = 0) -> int:
    """The register in GV-ISys layout; `changed` share of populations moved, `dropped`
    Gemeinden left out (they vanish: dissolved)."""
    with (DATA / "municipalities.csv").open(encoding="utf-8") as handle:
        gemeinden = list(csv.DictReader(handle))[:limit]
    with (DATA / "kreise.csv").open(encoding="utf-8") as handle:
        kreise = {r["kreis_schluessel"]: r for r in csv.DictReader(handle)}
    rnd = random.Random(42)
    if dropped:
        gemeinden = gemeinden[:len(gemeinden) // 2] + gemeinden[len(gemeinden) // 2 + dropped:]
    lines, states, seen_kreise = [], set(), set()
    for g in gemeinden:
        ags, key = g["ags"], g["kreis_schluessel"]
        if ags[:2] not in states:
            states.add(ags[:2])
            lines.append(["10", "", ags[:2], "", "", "", "", f"Land {ags[:2]}", "", "", "", "", ""])
        if key in kreise and key not in seen_kreise:
            seen_kreise.add(key)
            k = kreise[key]
            lines.append(["40", k["textkennzeichen"], ags[:2], ags[2], ags[3:5], "", "", k["kreis_name"],
                          "", "", "", "", ""])
        population = int(g["bevoelkerung"] or 0)
        if changed and rnd.random() < changed:
            population += rnd.randint(1, 500)
        lines.append(["60", g["textkennzeichen"], ags[:2], ags[2], ags[3:5], g["verband_schluessel"][5:9],
                      ags[5:], g["name"], f" {g['flaeche_km2']}", " " + _thousands(population).strip(),
                      g["plz"], g["laengengrad"].replace(".", ","), g["breitengrad"].replace(".", ",")])
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(GV_HEADER)
        writer.writerows(lines)
    return len(lines)


def write_usages(path: Path, municipalities: list[str], rows: int, *, changed: float = 0.0) -> int:
    """An IT provider's inventory: AGS column, ~36 of 300 products per municipality."""
    rnd, changes = random.Random(11), random.Random(12)  # same products whatever changes
    per = max(1, rows // len(municipalities))
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["AGS", "Produkt", "Status", "seit", "Zufriedenheit", "Anmerkungen"])
        for n, ags in enumerate(municipalities):
            count = per + (1 if n < rows - per * len(municipalities) else 0)
            for product in rnd.sample(range(300), count):
                status = STATUSES[(n + product) % len(STATUSES)]
                note = "geändert" if changed and changes.random() < changed else ""
                writer.writerow([ags, f"Benchprodukt {product:03d}", status,
                                 str(2005 + (n + product) % 20), 1 + (n * product) % 5, note])
                written += 1
    return written


def run(*, quick: bool) -> list[Table]:
    size = QUICK if quick else FULL
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = BENCH_DIR / f"imports-{'quick' if quick else 'full'}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                   env=_env(database), check=True)
    register, update = BENCH_DIR / "gv.csv", BENCH_DIR / "gv-update.csv"
    records = write_register(register, size["municipalities"])
    write_register(update, size["municipalities"], changed=0.02, dropped=5)

    gv = Table(f"Import Destatis GV-ISys ({records:,} records: Länder, Kreise, Gemeinden; "
               "target: all 11,000 municipalities in one run)",
               ["step", "records", "created", "updated", "unchanged", "seconds", "records/s",
                "peak RSS MB", "import Δ MB"])
    for label, task, path in [("first import", "gv", register), ("same file again", "gv", register),
                              ("2 % changed, 5 vanished", "gv", update)]:
        gv.add(label, *_row(_step(database, task, path)))

    _step(database, "catalogue")
    with register.open(encoding="utf-8-sig") as handle:
        ags = [r["land"] + r["rb"] + r["kreis"] + r["gemeinde"] for r in csv.DictReader(handle)
               if r["satzart"] == "60"]
    usages, usages_changed = BENCH_DIR / "usages.csv", BENCH_DIR / "usages-changed.csv"
    rows = write_usages(usages, ags, size["usage_rows"])
    write_usages(usages_changed, ags, size["usage_rows"], changed=0.1)
    table = Table(f"Import of {rows:,} usage rows (provider inventory CSV with AGS column, "
                  "bulk path, one transaction; target: 400,000 rows)",
                  ["step", "rows", "created", "updated", "unchanged", "seconds", "rows/s",
                   "peak RSS MB", "import Δ MB"])
    for label, task, path in [("first import", "usages", usages), ("same file again", "usages", usages),
                              ("10 % notes changed", "usages", usages_changed)]:
        table.add(label, *_row(_step(database, task, path)))
    table.add("for comparison: 20 Kreis uploads × 36 rows (per-row services)",
              *_row(_step(database, "upload")))
    for path in (register, update, usages, usages_changed):  # generated again on every run
        path.unlink(missing_ok=True)
    return [gv, table]


def _row(result: dict) -> list:
    c = result["counts"]
    rows = result["rows"]
    assert c["rejected"] == 0, result
    return [rows, c["created"], c["updated"], c["unchanged"], result["seconds"],
            rows / result["seconds"] if result["seconds"] else 0.0, result["rss_peak_mb"],
            result["rss_peak_mb"] - result["rss_before_mb"]]
