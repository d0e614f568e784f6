"""One phase of the graph benchmark in its own process (so peak memory is per phase):
`python -m bench.graph_worker rebuild|similarity|latency`. DATABASE_URL, GRAPH_DATA_DIR and
GRAPH_NAME point at the benchmark's database and engine; prints one JSON document."""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time
from collections.abc import Callable

import django

SAMPLES = 100
WARMUP = 10

# What a developer would write without a graph: the same Adamic–Adar ranking as one query.
SIMILAR_SQL = """
WITH mine AS (
    SELECT software_id AS s FROM hub_usage
    WHERE municipality_id = %(pk)s AND status IN ('pilot', 'production') AND visibility = 'public'
), users AS (
    SELECT u.municipality_id AS m, u.software_id AS s FROM hub_usage AS u
    JOIN mine ON mine.s = u.software_id
    WHERE u.status IN ('pilot', 'production') AND u.visibility = 'public'
), degree AS (
    SELECT s, COUNT(*) AS n FROM users GROUP BY s
)
SELECT users.m, SUM(CAST(FLOOR(1000000.0 / LN(degree.n) + 0.5) AS BIGINT)) AS units
FROM users
JOIN degree ON degree.s = users.s
JOIN hub_municipality AS place ON place.id = users.m
WHERE users.m <> %(pk)s
GROUP BY users.m, place.ags
ORDER BY units DESC, place.ags
LIMIT 10
"""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rebuild() -> dict:
    from graph import client, projection

    baseline = _rss_mb()
    report = projection.rebuild()
    time.sleep(1)  # let the engine free the replaced graph
    backend = client.get_backend()
    return {"seconds": report.seconds, "similarity_seconds": report.similarity_seconds,
            "counts": report.counts, "peak_rss_mb": _rss_mb(), "baseline_rss_mb": baseline,
            "engine_mb": (backend.memory_bytes() or 0) / 2**20}


def similarity() -> dict:
    from graph import client, similarity

    baseline = _rss_mb()
    report = similarity.run()
    return {"seconds": report.seconds, "relationships": report.relationships,
            "peak_rss_mb": _rss_mb(), "baseline_rss_mb": baseline,
            "engine_mb": (client.get_backend().memory_bytes() or 0) / 2**20}


def _timed(fn: Callable, args: list) -> tuple[list[float], list]:
    for a in args[:WARMUP]:
        fn(a)
    samples, results = [], []
    for a in args:
        started = time.perf_counter()
        results.append(fn(a))
        samples.append((time.perf_counter() - started) * 1000)
    return samples, results


def latency() -> dict:
    from django.db import connection

    from graph import discovery
    from hub.models import Municipality, Usage

    rng = random.Random(20250101)
    pks = list(Municipality.objects.order_by("pk").values_list("pk", flat=True))
    sample = rng.sample(pks, SAMPLES)
    partners = dict(zip(sample, rng.sample(pks, SAMPLES), strict=True))
    products: dict[int, list[int]] = {}
    for m, s in Usage.objects.filter(municipality__in=sample, status__in=["pilot", "production"]
                                     ).order_by("pk").values_list("municipality", "software"):
        products.setdefault(m, []).append(s)
    product = {m: rng.choice(products.get(m) or [0]) for m in sample}

    def sql(pk: int) -> list[tuple[int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(SIMILAR_SQL, {"pk": pk})
            return [(m, int(units)) for m, units in cursor.fetchall()]

    out: dict = {"functions": {}}
    for name, fn in (
        ("similar", lambda m: discovery.similar(m, first=10)),
        ("recommendations", lambda m: discovery.recommendations(m, first=10)),
        ("used_with", lambda m: discovery.used_with(product[m], first=10)),
        ("replaced_by", lambda m: discovery.replaced_by(product[m])),
        ("connections", lambda m: discovery.connections(m, partners[m], first=10)),
    ):
        samples, _ = _timed(fn, sample)
        out["functions"][name] = samples
    shipped, shipped_rows = _timed(lambda m: discovery.similar(m, first=10), sample)
    fly, fly_rows = _timed(lambda m: discovery.similar_on_the_fly(m, first=10), sample)
    plain, sql_rows = _timed(sql, sample)
    ranked = [[(h.municipality, h.units) for h in rows] for rows in shipped_rows]
    out["similar"] = {
        "shipped": shipped, "cypher": fly, "sql": plain,
        "agree_cypher": sum(a == [(h.municipality, h.units) for h in b]
                            for a, b in zip(ranked, fly_rows, strict=True)),
        "agree_sql": sum(a == b for a, b in zip(ranked, sql_rows, strict=True)),
        "samples": SAMPLES, "database": connection.vendor,
    }
    return out


def main(phase: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    result = {"rebuild": rebuild, "similarity": similarity, "latency": latency}[phase]()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
