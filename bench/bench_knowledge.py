"""Knowledge base search: index build and query latency, Whoosh next to SQLite FTS5.

A seeded generator writes 5,000 German articles of about 800 words (bench/corpus_de.py) into
a throwaway test database; the index is built the way `manage.py search_rebuild` builds it
(from the database). 100 generated queries then run through the real search function with
the searcher kept open, and the same corpus and queries run on SQLite FTS5 twice: with its
stock tokenizer (unicode61, diacritics removed) and fed with our German analysis
(folded and stemmed tokens), so the table separates analysis from engine. "Whoosh matchers"
is the same index queried through Whoosh's own matcher tree, for comparison with our
vectorised evaluation (knowledge/engine.py).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import override_settings
from whoosh import query as wq

from bench.corpus_de import Doc, Generator
from bench.tables import Table, p50_p95

N_DOCS, QUICK_DOCS, N_QUERIES = 5_000, 300, 100
N_MATCHER_QUERIES = 30  # Whoosh's own matchers take seconds on some queries
BUILD_TARGET_S, P95_TARGET_MS = 30.0, 15.0
WEIGHTS = (4.0, 2.0, 2.0, 1.0)  # title, summary, tags, body: the boosts of the Whoosh index


@contextlib.contextmanager
def _throwaway_database() -> Iterator[None]:
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _load_articles(docs: list[Doc]) -> dict[int, int]:
    """Corpus → published public articles (bulk, like an import); returns doc id → pk."""
    from knowledge.models import Article, Tag

    tags = {slug: Tag.objects.create(name=slug, slug=slug) for d in docs for slug in d.tags
            if not Tag.objects.filter(slug=slug).exists()}
    tags.update({t.slug: t for t in Tag.objects.all()})
    rows = [Article(title=d.title[:200], slug=f"bench-{d.id}", summary=d.summary[:600],
                    body=d.body, kind=d.kind, status="published", visibility="public",
                    revision=1, html="".join(f"<p>{html.escape(p)}</p>\n" for p in d.body.split("\n\n")))
            for d in docs]
    Article.objects.bulk_create(rows, batch_size=500)
    pks = dict(Article.objects.filter(slug__startswith="bench-").values_list("slug", "pk"))
    mapping = {d.id: pks[f"bench-{d.id}"] for d in docs}
    through = Article.tags.through
    through.objects.bulk_create([through(article_id=mapping[d.id], tag_id=tags[t].pk)
                                 for d in docs for t in d.tags], batch_size=2000)
    return mapping


def _timed(fn: Callable[[], object]) -> tuple[tuple[float, float], object]:
    """((wall s, CPU s), result). CPU time shows the cost when the machine is shared."""
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return (time.perf_counter() - started, time.process_time() - cpu), result


def _latencies(queries: list[str], fn: Callable[[str], tuple[int, list[int]]]
               ) -> tuple[list[float], list[float], list[int], list[list[int]]]:
    samples, cpu_samples, totals, tops = [], [], [], []
    for q in queries:
        started, cpu = time.perf_counter(), time.process_time()
        total, top = fn(q)
        samples.append((time.perf_counter() - started) * 1000)
        cpu_samples.append((time.process_time() - cpu) * 1000)
        totals.append(total)
        tops.append(top)
    return samples, cpu_samples, totals, tops


def _fts5(docs: list[Doc], mapping: dict[int, int], analysed: bool):
    """An in-memory FTS5 table of the corpus; returns (build seconds, query function)."""
    from knowledge.analysis import german_analyzer, normalise

    analyzer = german_analyzer()

    def prepare(text: str) -> str:
        return " ".join(t.text for t in analyzer(text)) if analysed else text

    db = sqlite3.connect(":memory:")
    tokenizer = "unicode61" if analysed else "unicode61 remove_diacritics 2"
    db.execute(f"CREATE VIRTUAL TABLE docs USING fts5(title, summary, tags, body, tokenize='{tokenizer}')")

    def build() -> None:
        db.executemany("INSERT INTO docs(rowid, title, summary, tags, body) VALUES (?, ?, ?, ?, ?)",
                       ((mapping[d.id], prepare(d.title), prepare(d.summary),
                         prepare(" ".join(d.tags)), prepare(d.body)) for d in docs))
        db.commit()
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")

    seconds, _ = _timed(build)  # (wall, CPU)
    rank = f"bm25(docs, {', '.join(str(w) for w in WEIGHTS)})"

    def search(q: str) -> tuple[int, list[int]]:
        words = re.findall(r"\w+", q.lower())
        terms = [normalise(w) for w in words] if analysed else words
        terms = [t for t in terms if t]
        if not terms:
            return 0, []
        match = " AND ".join(f'"{t}"*' if len(t) >= 4 or not analysed else f'"{t}"'
                             for t in terms)
        top = [r[0] for r in db.execute(
            f"SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY {rank} LIMIT 10", (match,))]
        total = db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        return total, top

    return seconds, search


def _whoosh_matchers(q: str) -> tuple[int, list[int]]:
    """Whoosh's own evaluation of the same query on the same open searcher."""
    from knowledge import index as search_index
    from knowledge import search
    from knowledge.analysis import normalise

    stems = [s for s in (normalise(w) for w in re.findall(r"\w+", q)) if s]
    if not stems:
        return 0, []
    clauses = [wq.Or([wq.Term("text", s), wq.Prefix("text", s, boost=0.5)]) if len(s) >= 4
               else wq.Term("text", s) for s in stems]
    searcher = search._State.searcher
    results = searcher.search(wq.And(clauses), limit=10)
    top = [search_index.parse_doc_id(hit["doc_id"])[1] for hit in results]
    return len(results), top


def _overlap(ours: list[list[int]], theirs: list[list[int]]) -> float:
    shares = [len(set(a) & set(b)) / len(a) for a, b in zip(ours, theirs, strict=True) if a]
    return statistics.mean(shares) if shares else float("nan")


def run(*, quick: bool) -> list[Table]:
    from knowledge import index as search_index
    from knowledge import search

    n = QUICK_DOCS if quick else N_DOCS
    generator = Generator(seed=5)
    docs = generator.corpus(n)
    queries = generator.queries(N_QUERIES)
    words = sum(len(d.body.split()) for d in docs) / len(docs)
    anonymous = AnonymousUser()

    def full(q: str) -> tuple[int, list[int]]:
        result = search.search_articles(user=anonymous, query=q, limit=10)
        return result.total, [h.pk for h in result.hits]

    def ranking(q: str) -> tuple[int, list[int]]:
        result = search.search_articles(user=anonymous, query=q, limit=10, highlights=False,
                                        facets=False)
        return result.total, [h.pk for h in result.hits]

    with tempfile.TemporaryDirectory() as tmp, override_settings(
            SEARCH_INDEX_DIR=Path(tmp) / "search", OUTBOX_CONSUMERS=[]), _throwaway_database():
        mapping = _load_articles(docs)
        build_s, count = _timed(search_index.rebuild)
        search.close()
        search.search_articles(user=anonymous, query="Verwaltung")  # open the searcher once
        rows = {"cold": _latencies(queries, full)}  # first sight of these queries' words
        rows["whoosh"] = _latencies(queries, full)  # the same again: per-segment caches warm
        rows["ranking"] = _latencies(queries, ranking)
        rows["matchers"] = _latencies(queries[:N_MATCHER_QUERIES], _whoosh_matchers)
        fts_build, fts_search = _fts5(docs, mapping, analysed=False)
        _latencies(queries, fts_search)  # warm SQLite's page cache alike
        rows["fts5"] = _latencies(queries, fts_search)
        fts_an_build, fts_an_search = _fts5(docs, mapping, analysed=True)
        _latencies(queries, fts_an_search)
        rows["fts5_an"] = _latencies(queries, fts_an_search)
        search.close()

    load = os.getloadavg()[0]
    build = Table(f"Wissensdatenbank – Indexaufbau: {count} Artikel, Ø {words:.0f} Wörter "
                  f"(Last beim Lauf: {load:.1f} auf {os.cpu_count()} Kernen)",
                  ["engine", "build s", "CPU s", "target"])
    build.add("Whoosh (search_rebuild aus der Datenbank)", *build_s, f"< {BUILD_TARGET_S:.0f} s")
    build.add("SQLite FTS5 (unicode61, remove_diacritics)", *fts_build, "–")
    build.add("SQLite FTS5 (mit unserer deutschen Analyse)", *fts_an_build, "–")

    fts_p95 = p50_p95(rows["fts5"][0])[1]
    ours = rows["whoosh"][3]
    latency = Table(f"Wissensdatenbank – Suche: {len(queries)} Anfragen, Searcher offen",
                    ["engine", "p50 ms", "p95 ms", "p95 CPU ms", "target", "p95 / FTS5",
                     "Ø Treffer", "Top-10-Überlappung"])
    labels = {
        "cold": ("Whoosh: search_articles, 1. Durchlauf (Caches kalt)", "–"),
        "whoosh": ("Whoosh: search_articles (Zahl, 4 Facetten, Top 10, Snippets, DB)",
                   f"≤ {P95_TARGET_MS:.0f} ms"),
        "ranking": ("Whoosh: search_articles ohne Facetten/Snippets", "–"),
        "matchers": (f"Whoosh-eigene Matcher (And/Or/Prefix), {N_MATCHER_QUERIES} Anfragen",
                     "–"),
        "fts5": ("SQLite FTS5 (unicode61, Präfix), Zahl + Top 10", "–"),
        "fts5_an": ("SQLite FTS5 mit deutscher Analyse, Zahl + Top 10", "–"),
    }
    for key, (label, target) in labels.items():
        samples, cpu_samples, totals, tops = rows[key]
        p50, p95 = p50_p95(samples)
        overlap = _overlap(ours[:len(tops)], tops)
        latency.add(label, p50, p95, p50_p95(cpu_samples)[1], target,
                    p95 / fts_p95 if fts_p95 else float("nan"),
                    statistics.mean(totals), "–" if key == "whoosh" else f"{overlap:.0%}")
    return [build, latency]
