"""`make bench` figures of the soak (bench/soak.py): the full run the issue asks for (Germany
scale, 50 users, 120 s, all three faults), or with `--quick` a short one (tiny data set,
20 users, 30 s, the same faults). SOAK_SIZE, SOAK_SECONDS and SOAK_USERS override either."""

from __future__ import annotations

import os

from bench.soak import run_soak
from bench.tables import Table


def run(*, quick: bool) -> list[Table]:
    size, seconds, users = ("tiny", 30, 20) if quick else ("germany", 120, 50)
    return run_soak(size=os.environ.get("SOAK_SIZE", size),
                    seconds=int(os.environ.get("SOAK_SECONDS", seconds)),
                    users=int(os.environ.get("SOAK_USERS", users)))
