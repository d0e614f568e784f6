"""`make bench`: run every benchmark module (bench/bench_*.py) and print its tables.

Each module exposes `run(*, quick: bool) -> list[Table]`. Benchmarks measure, they do not
assert: targets are printed next to the figures so a reader sees the comparison the issue asks
for. `python -m bench NAME…` runs only the named modules; `--quick` uses small data (smoke runs).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time

import django


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="benchmark modules, e.g. api graph")
    parser.add_argument("--quick", action="store_true", help="small data, for a smoke run")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    import bench

    names = args.names or sorted(
        m.name.removeprefix("bench_") for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_"))
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        started = time.perf_counter()
        print(f"\n=== {name} ===", flush=True)
        for table in module.run(quick=args.quick):
            print(table.render(), flush=True)
        print(f"({name}: {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
