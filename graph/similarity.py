"""Precomputed similarity between municipalities, like Neo4j GDS node similarity.

Score (Adamic–Adar over shared products):

    score(a, b) = Σ_{s ∈ S(a) ∩ S(b)}  1 / ln(n_s)

S(m) = products municipality m runs in pilot or production (public usages only), n_s = how
many municipalities run s (n_s ≥ 2 whenever s is shared). A product two municipalities share
with few others says much more about them than one everybody runs: 1/ln(n) falls from 1.44
(n = 2) to 0.11 (n = 11,000). Adamic–Adar rather than IDF (ln(N/n_s)) because it depends on
nothing but the shared products' own popularity: a new municipality elsewhere does not move
every score, which keeps the single-row recompute close to the full job.

Each term is quantised to integer micro-units, round(10⁶ / ln n_s), and scores are sums of
those integers. Sums of integers are exact in any order, so numpy, SQL, Cypher and the test
oracle give bit-identical scores and therefore identical tie-breaks (ties by AGS). FalkorDB
also prints doubles with 15 digits only; integers cross the wire exactly.

Why public usages only: the stored scores and their `shared` evidence are read by everyone,
including anonymous users. Members-only usages never enter the similarity, so neither a score
nor a list of shared products can reveal them. (Recommendations, which are computed per read,
do include members-only usages for members.)

The job: the usage matrix A (municipalities × products, 0/1) in scipy CSR, weights w; for a
block of rows, scores = (A_block · diag(w)) · Aᵀ, top 50 by (score desc, AGS asc), written as
SIMILAR_TO {score, shared} (score = units / 10⁶, shared = product pks). Rows are processed in
blocks so memory stays bounded (a dense block is BLOCK × municipalities doubles).

Freshness: when a municipality's usages change, its own row is recomputed at once (one
query on the database: the users of its products). The other rows, and the weights they
used, are refreshed by the full job, which reruns in the background once
GRAPH_SIMILARITY_RERUN_AFTER changed municipalities have accumulated.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import close_old_connections, connection
from scipy import sparse

from graph import cypher
from graph.client import GraphBackend, get_backend
from graph.projection import IN_USE, Pipeline, read_meta, write_meta
from hub.models import Municipality, Usage, Visibility

logger = logging.getLogger(__name__)

TOP = 50
UNIT = 1_000_000
BLOCK = 512
MANY_ROWS = 200  # above this many changed rows, recompute through the matrix
WRITE_BATCH = 200  # municipalities per REPLACE_SIMILAR statement (≤ 10,000 relationships)


def weight(n_users: int) -> int:
    """A shared product's contribution in micro-units: round(10⁶ / ln n), 0 below n = 2."""
    if n_users < 2:
        return 0
    return math.floor(UNIT / math.log(n_users) + 0.5)


def _usage_pairs(software: Iterable[int] | None = None) -> list[tuple[int, int]]:
    qs = Usage.objects.filter(status__in=IN_USE, visibility=Visibility.PUBLIC)
    if software is not None:
        qs = qs.filter(software_id__in=list(software))
    return list(qs.values_list("municipality_id", "software_id"))


@dataclass
class Matrix:
    municipalities: np.ndarray  # pks, in AGS order (row i)
    rank: dict[int, int]  # pk -> row
    software: np.ndarray  # pks (column j)
    a: sparse.csr_matrix  # 0/1
    weights: np.ndarray  # micro-units per column


def build_matrix() -> Matrix:
    ordered = list(Municipality.objects.order_by("ags").values_list("pk", flat=True))
    rank = {pk: i for i, pk in enumerate(ordered)}
    pairs = _usage_pairs()
    software = np.array(sorted({s for _m, s in pairs}), dtype=np.int64)
    column = {pk: j for j, pk in enumerate(software.tolist())}
    rows = np.fromiter((rank[m] for m, _s in pairs), dtype=np.int64, count=len(pairs))
    cols = np.fromiter((column[s] for _m, s in pairs), dtype=np.int64, count=len(pairs))
    a = sparse.csr_matrix((np.ones(len(pairs)), (rows, cols)),
                          shape=(len(ordered), len(software)))
    a.sum_duplicates()
    a.data[:] = 1.0
    degrees = np.asarray(a.sum(axis=0)).ravel().astype(np.int64)
    weights = np.array([weight(int(n)) for n in degrees], dtype=np.float64)
    return Matrix(np.array(ordered, dtype=np.int64), rank, software, a, weights)


def compute_rows(matrix: Matrix, rows: Iterable[int] | None = None, *, top: int = TOP):
    """Yield (municipality pk, [(neighbour pk, units, [shared product pks])], truncated)
    for the given row indices (all by default), block by block."""
    a, n = matrix.a, matrix.a.shape[0]
    weighted_t = a.multiply(matrix.weights).tocsr().T.tocsc()  # products × municipalities
    order = np.arange(n) if rows is None else np.array(sorted(rows), dtype=np.int64)
    tiebreak = (n - 1 - np.arange(n)).astype(np.float64)  # lower AGS rank wins a tie
    k = min(top, n - 1)
    for start in range(0, len(order), BLOCK):
        block = order[start:start + BLOCK]
        if k < 1:
            for row in block:
                yield int(matrix.municipalities[row]), [], False
            continue
        scores = (a[block] @ weighted_t).toarray()
        scores[np.arange(len(block)), block] = 0.0
        positive = scores > 0
        keys = np.where(positive, scores * n + tiebreak, -1.0)  # exact below 2**53
        candidates = positive.sum(axis=1).tolist()
        best = np.argpartition(-keys, k - 1, axis=1)[:, :k]
        best = np.take_along_axis(best, np.argsort(-np.take_along_axis(keys, best, axis=1),
                                                   axis=1, kind="stable"), axis=1)
        units = np.take_along_axis(scores, best, axis=1).astype(np.int64)
        # the shared products of every (row, neighbour) pair at once: A[row] ∘ A[neighbour]
        both = a[np.repeat(block, k)].multiply(a[best.ravel()]).tocsr()
        both.sort_indices()
        products, bounds = matrix.software[both.indices].tolist(), both.indptr.tolist()
        places, units_list = matrix.municipalities[best].tolist(), units.tolist()
        for i, row in enumerate(block.tolist()):
            neighbours = []
            for x in range(k):
                if units_list[i][x] <= 0:
                    break  # sorted: only non-candidates follow
                p = i * k + x
                neighbours.append((places[i][x], units_list[i][x],
                                   products[bounds[p]:bounds[p + 1]]))
            yield int(matrix.municipalities[row]), neighbours, candidates[i] > top


def _write(sink: GraphBackend | Pipeline, results, computed_at: str,
           positions: dict[int, int] | None = None) -> int:
    """Write rows of (pk, neighbours, truncated). With `positions` (pk → place in the
    graph's AGS order) the bulk statement addresses municipalities by position."""
    query = cypher.REPLACE_SIMILAR if positions is None else cypher.REPLACE_SIMILAR_BULK
    written, batch = 0, []
    for pk, neighbours, truncated in results:
        if positions is None:
            row = {"pk": pk, "truncated": truncated,
                   "neighbours": [[o, units / UNIT, shared] for o, units, shared in neighbours]}
        else:
            row = {"pk": pk, "position": positions[pk], "truncated": truncated,
                   "neighbours": [[o, units / UNIT, shared, positions[o]]
                                  for o, units, shared in neighbours]}
        batch.append(row)
        written += len(neighbours)
        if len(batch) >= WRITE_BATCH:
            sink.write(query, {"rows": batch, "computed_at": computed_at})
            batch = []
    if batch:
        sink.write(query, {"rows": batch, "computed_at": computed_at})
    return written


@dataclass
class JobReport:
    municipalities: int
    relationships: int
    seconds: float
    computed_at: str


def run(*, backend: GraphBackend | None = None) -> JobReport:
    """The full job: every municipality's top 50, written into the graph."""
    backend = backend or get_backend()
    started = time.perf_counter()
    changes_before = int((read_meta(backend, "similarity") or {}).get("changes", 0))
    computed_at = _now()
    matrix = build_matrix()
    in_graph = [r["pk"] for r in backend.read(cypher.MATCH_MUNICIPALITY_ORDER)]
    positions = matrix.rank if in_graph == matrix.municipalities.tolist() else None
    with Pipeline(backend) as sink:  # compute the next block while the engine writes
        written = _write(sink, compute_rows(matrix), computed_at, positions)
    backend.write(cypher.ADD_SIMILARITY_CHANGES, {"n": -changes_before})
    write_meta(backend, "similarity", computed_at=computed_at,
               municipalities=len(matrix.municipalities), relationships=written)
    seconds = time.perf_counter() - started
    logger.info("similarity job: %s municipalities, %s relationships in %.1f s",
                len(matrix.municipalities), written, seconds)
    return JobReport(len(matrix.municipalities), written, seconds, computed_at)


def recompute(pks: Iterable[int], *, backend: GraphBackend | None = None) -> int:
    """Recompute the rows of the given municipalities now (one database query for all of
    them), with the current weights. Returns relationships written."""
    backend = backend or get_backend()
    pks = sorted(set(pks))
    if len(pks) > MANY_ROWS:  # a bulk change: the matrix is cheaper than per-row lookups
        matrix = build_matrix()
        rows = [matrix.rank[pk] for pk in pks if pk in matrix.rank]
        return _write(backend, compute_rows(matrix, rows), _now())
    existing = dict(Municipality.objects.filter(pk__in=pks).values_list("pk", "ags"))
    mine: dict[int, set[int]] = defaultdict(set)
    for m, s in Usage.objects.filter(municipality_id__in=list(existing), status__in=IN_USE,
                                     visibility=Visibility.PUBLIC).values_list(
                                         "municipality_id", "software_id"):
        mine[m].add(s)
    products = set().union(*mine.values()) if mine else set()
    users: dict[int, set[int]] = defaultdict(set)
    for m, s in _usage_pairs(products):
        users[s].add(m)
    ags = dict(Municipality.objects.filter(
        pk__in=list({m for group in users.values() for m in group})).values_list("pk", "ags"))
    results = []
    for pk in existing:
        units: dict[int, int] = defaultdict(int)
        shared: dict[int, list[int]] = defaultdict(list)
        for s in sorted(mine.get(pk, ())):
            w = weight(len(users[s]))
            for other in users[s]:
                if other != pk and w:
                    units[other] += w
                    shared[other].append(s)
        ranked = sorted(units, key=lambda o: (-units[o], ags[o]))
        results.append((pk, [(o, units[o], shared[o]) for o in ranked[:TOP]], len(ranked) > TOP))
    return _write(backend, results, _now())


def note_changes(pks: Iterable[int], *, backend: GraphBackend | None = None) -> None:
    """Called by the consumer for municipalities whose usages changed: recompute their rows
    at once, count the change, and start the full job in the background once enough changes
    have accumulated."""
    backend = backend or get_backend()
    pks = set(pks)
    recompute(pks, backend=backend)
    rows = backend.write(cypher.ADD_SIMILARITY_CHANGES, {"n": len(pks)})
    if rows and rows[0]["changes"] >= settings.GRAPH_SIMILARITY_RERUN_AFTER:
        start_background()


_background: threading.Thread | None = None
_background_lock = threading.Lock()


def start_background() -> bool:
    """Run the full job in a background thread unless one is already running here."""
    global _background
    with _background_lock:
        if _background is not None and _background.is_alive():
            return False
        _background = threading.Thread(target=_background_run, name="graph-similarity",
                                       daemon=True)
        _background.start()
        return True


def wait_background(timeout: float | None = None) -> None:
    thread = _background
    if thread is not None:
        thread.join(timeout)


def _background_run() -> None:
    close_old_connections()
    try:
        run()
    except Exception:  # noqa: BLE001 - the next accumulation retries
        logger.exception("background similarity job failed")
    finally:
        connection.close()


def status(*, backend: GraphBackend | None = None) -> dict:
    """When the scores were computed and how many changes wait for the next full run."""
    meta = read_meta(backend or get_backend(), "similarity") or {}
    return {"computed_at": meta.get("computed_at"), "changes": int(meta.get("changes", 0)),
            "running": _background is not None and _background.is_alive()}


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
