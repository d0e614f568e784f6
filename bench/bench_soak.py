"""`make bench` figures of the soak (bench/soak.py): a shortened run (30 s, 20 users, small
data set) unless SOAK_FULL=1 asks for the full one (120 s, 50 users, Germany scale)."""

from __future__ import annotations

import os

from bench.soak import run_soak
from bench.tables import Table


def run(*, quick: bool) -> list[Table]:
    if os.environ.get("SOAK_FULL") == "1" and not quick:
        return run_soak(size="germany", seconds=120, users=50)
    return run_soak(size="tiny" if quick else "small", seconds=30, users=20)
