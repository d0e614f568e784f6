"""Vectorised query evaluation over the Whoosh index.

Why not Whoosh's own matchers: they score one posting at a time in Python. German queries
expand into many terms (prefixes for compounds, fuzzy variants), common words match most
documents, and every search also needs an exact count and facet counts, so the matcher tree
visits every matching document anyway; on the benchmark corpus that is 40–180 ms at p95.
Here Whoosh still does what it is good at (analysis, storage, segments, deletions, locking,
phrase positions, spelling, highlighting), while this module reads each posting list once
per segment into numpy arrays and evaluates BM25, AND/NOT, filters, facets and ordering as
array operations over all documents at once: a few milliseconds, whatever the match count.

Segments are immutable, so their arrays are cached by segment id and survive index
changes; a `Snapshot` only stitches the current segments together (doc number = segment
base + local id) and applies the current deletions.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

TEXT = "text"
K1, B = 1.2, 0.75
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)
_POSTINGS_BUDGET = 6_000_000  # cached postings per segment (~70 MB) before evicting
_PREFIX_CACHE = 256  # score vectors of compound prefixes per snapshot


def read_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """All (doc ids, weights) of a posting list.

    Whoosh's block matcher (codec w3) is read one block at a time (128 postings) instead of
    one posting at a time; any other matcher (inlined short lists) goes the generic way."""
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_goto") and matcher.is_active():
        ids, weights = [], []
        while True:
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int64))
            weights.append(np.asarray(matcher._weights, dtype=np.float32))
            if matcher._lastblock:
                break
            matcher._goto(matcher._nextoffset)
        return np.concatenate(ids), np.concatenate(weights)
    return read_postings_generic(matcher)


def _raw_matcher(reader, field: str, term: str, terminfo=None):
    """The segment's own posting matcher, without the wrapper that skips deleted documents
    (the snapshot's live mask does that for all terms at once) and, given the term info from
    a dictionary scan, without looking the term up again. Falls back to the public API."""
    terms = getattr(reader, "_terms", None)
    if terms is None or not hasattr(terms, "matcher"):
        return reader.postings(field, term)
    tbytes = term.encode("utf-8")
    fmt = reader.schema[field].format
    if terminfo is not None and hasattr(terms, "_codec") and hasattr(terms, "_postfile"):
        return terms._codec.postings_reader(terms._postfile, terminfo, fmt, term=(field, tbytes))
    return terms.matcher(field, tbytes, fmt)


def read_postings_generic(matcher) -> tuple[np.ndarray, np.ndarray]:
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)


class SegmentCache:
    """Arrays derived from one segment; valid as long as the segment exists."""

    def __init__(self) -> None:
        self.postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.size = 0
        self.lengths: np.ndarray | None = None
        self.columns: dict[str, np.ndarray] = {}
        self.prefixes: OrderedDict[tuple, list] = OrderedDict()

    def get_postings(self, reader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        key = (field, term)
        hit = self.postings.get(key)
        if hit is not None:
            self.postings.move_to_end(key)
            return hit
        try:
            hit = read_postings(_raw_matcher(reader, field, term))
        except TermNotFound:
            hit = (_EMPTY_IDS, _EMPTY_WEIGHTS)
        self.postings[key] = hit
        self.size += len(hit[0])
        while self.size > _POSTINGS_BUDGET and len(self.postings) > 1:
            _, (old, _w) = self.postings.popitem(last=False)
            self.size -= len(old)
        return hit

    def get_prefix(self, reader, field: str, prefix: str
                   ) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(word, ids, weights) of every longer word starting with `prefix`, read in one pass
        over the term dictionary (each term's location comes with it: no lookup per word)."""
        key = ("prefix", field, prefix)
        hit = self.prefixes.get(key)
        if hit is not None:
            self.prefixes.move_to_end(key)
            return hit
        hit = []
        for tbytes, terminfo in reader.iter_prefix(field, prefix):
            term = tbytes.decode("utf-8") if isinstance(tbytes, bytes) else tbytes
            if term == prefix:
                continue
            cached = self.postings.get((field, term))
            if cached is None:
                cached = read_postings(_raw_matcher(reader, field, term, terminfo))
            hit.append((term, *cached))
        self.prefixes[key] = hit
        while len(self.prefixes) > _PREFIX_CACHE:
            self.prefixes.popitem(last=False)
        return hit

    def get_lengths(self, reader, field: str) -> np.ndarray:
        if self.lengths is None:
            n = reader.doc_count_all()
            self.lengths = np.fromiter((reader.doc_field_length(d, field, 0) for d in range(n)),
                                       dtype=np.float32, count=n)
        return self.lengths

    def get_column(self, reader, field: str) -> np.ndarray:
        if field not in self.columns:
            n = reader.doc_count_all()
            if reader.has_column(field):
                column = reader.column_reader(field)
                self.columns[field] = np.fromiter((column[d] or 0 for d in range(n)),
                                                  dtype=np.float64, count=n)
            else:
                self.columns[field] = np.zeros(n, dtype=np.float64)
        return self.columns[field]


class Snapshot:
    """One generation of the index as arrays over global doc numbers."""

    def __init__(self, searcher: Searcher, caches: dict[str, SegmentCache]) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.leaves = []
        for leaf, base in reader.leaf_readers():
            segment_id = leaf.segment().segment_id()
            self.leaves.append((leaf, base, caches.setdefault(segment_id, SegmentCache())))
        live_ids = {leaf.segment().segment_id() for leaf, _b, _c in self.leaves}
        for stale in set(caches) - live_ids:
            del caches[stale]
        self.n = reader.doc_count_all()
        self.live = np.ones(self.n, dtype=bool)
        for leaf, base, _cache in self.leaves:
            if leaf.has_deletions():
                deleted = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
                self.live[deleted + base] = False
        self.doc_count = max(reader.doc_count(), 1)
        total_length = sum(leaf.field_length(TEXT) for leaf, _b, _c in self.leaves)
        self.avgdl = max(total_length / max(self.n, 1), 1.0)
        self._masks: dict[tuple[str, str], np.ndarray] = {}
        self.labels: dict[str, dict[str, str]] = {}  # display names, filled by the search
        self._prefix_scores: OrderedDict[str, np.ndarray] = OrderedDict()
        self._expansions: dict[tuple[str, str], list[str]] = {}
        self._lengths: np.ndarray | None = None
        self._columns: dict[str, np.ndarray] = {}

    # --- raw data --------------------------------------------------------------------------

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        ids, weights = [], []
        for leaf, base, cache in self.leaves:
            local, w = cache.get_postings(leaf, field, term)
            if len(local):
                ids.append(local + base)
                weights.append(w)
        if not ids:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        if len(ids) == 1:
            return ids[0], weights[0]
        return np.concatenate(ids), np.concatenate(weights)

    def mask(self, field: str, term: str) -> np.ndarray:
        """Documents holding the term (keyword fields: filters, facets, visibility)."""
        key = (field, term)
        if key not in self._masks:
            m = np.zeros(self.n, dtype=bool)
            m[self.postings(field, term)[0]] = True
            self._masks[key] = m
        return self._masks[key]

    def any_mask(self, field: str, terms: Iterable[str]) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        for term in terms:
            m |= self.mask(field, str(term))
        return m

    def lengths(self) -> np.ndarray:
        if self._lengths is None:
            parts = [cache.get_lengths(leaf, TEXT) for leaf, _b, cache in self.leaves]
            self._lengths = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        return self._lengths

    def column(self, field: str) -> np.ndarray:
        if field not in self._columns:
            parts = [cache.get_column(leaf, field) for leaf, _b, cache in self.leaves]
            self._columns[field] = np.concatenate(parts) if parts else np.zeros(0, np.float64)
        return self._columns[field]

    def terms(self, field: str) -> list[str]:
        """All terms of a keyword field (facet values), once per snapshot."""
        key = ("lexicon", field)
        if key not in self._expansions:
            self._expansions[key] = [t.decode("utf-8") if isinstance(t, bytes) else t
                                     for t in self.searcher.reader().lexicon(field)]
        return self._expansions[key]

    def expand(self, prefix: str) -> list[str]:
        """Indexed words starting with the stem (compounds: "burg" → "burgerservic")."""
        words: set[str] = set()
        for leaf, _base, cache in self.leaves:
            words.update(term for term, _i, _w in cache.get_prefix(leaf, TEXT, prefix))
        return sorted(words)

    def similar(self, stem: str, maxdist: int) -> list[str]:
        """Indexed words within `maxdist` edits (typos), first letter kept."""
        key = (f"fuzzy{maxdist}", stem)
        if key not in self._expansions:
            self._expansions[key] = [t for t in self.searcher.reader().terms_within(
                TEXT, stem, maxdist, prefix=1) if t != stem]
        return self._expansions[key]

    def phrase(self, stems: list[str]) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        ids = list(self.searcher.docs_for_query(wq.Phrase(TEXT, stems)))
        m[np.asarray(ids, dtype=np.int64)] = True
        return m

    # --- scoring -----------------------------------------------------------------------------

    def bm25(self, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """BM25 of one (possibly aggregated) term as a dense score vector; 0 = no match."""
        scores = np.zeros(self.n, dtype=np.float32)
        if not len(ids):
            return scores
        df = len(ids)
        idf = math.log(1.0 + (self.doc_count - df + 0.5) / (df + 0.5))
        norm = K1 * (1.0 - B + B * self.lengths()[ids] / self.avgdl)
        scores[ids] = idf * weights * (K1 + 1.0) / (weights + norm)
        return scores

    def term_scores(self, term: str) -> np.ndarray:
        return self.bm25(*self.postings(TEXT, term))

    def prefix_scores(self, stem: str) -> np.ndarray:
        """union_scores of every compound of the stem, kept for the snapshot (LRU)."""
        hit = self._prefix_scores.get(stem)
        if hit is None:
            ids, weights = [], []
            for leaf, base, cache in self.leaves:
                for _term, local, w in cache.get_prefix(leaf, TEXT, stem):
                    ids.append(local + base)
                    weights.append(w)
            hit = self._aggregate(ids, weights)
            if len(self._prefix_scores) >= _PREFIX_CACHE:
                self._prefix_scores.popitem(last=False)
            self._prefix_scores[stem] = hit
        else:
            self._prefix_scores.move_to_end(stem)
        return hit

    def union_scores(self, terms: list[str]) -> np.ndarray:
        """Several words scored as one (all compounds of a stem count as one term)."""
        if not terms:
            return np.zeros(self.n, dtype=np.float32)
        parts = [self.postings(TEXT, t) for t in terms]
        return self._aggregate([p[0] for p in parts], [p[1] for p in parts])

    def _aggregate(self, ids_parts: list[np.ndarray], weight_parts: list[np.ndarray]
                   ) -> np.ndarray:
        if not ids_parts:
            return np.zeros(self.n, dtype=np.float32)
        ids = np.concatenate(ids_parts)
        if not len(ids):
            return np.zeros(self.n, dtype=np.float32)
        weights = np.concatenate(weight_parts)
        unique, inverse = np.unique(ids, return_inverse=True)
        summed = np.bincount(inverse, weights=weights).astype(np.float32)
        return self.bm25(unique, summed)


def top(candidates: np.ndarray, primary: np.ndarray, secondary: np.ndarray | None = None
        ) -> np.ndarray:
    """Candidate doc numbers ordered by primary desc, then secondary desc, then doc number."""
    if not len(candidates):
        return candidates
    keys = [candidates, -primary[candidates]]
    if secondary is not None:
        keys.insert(1, -secondary[candidates])
    return candidates[np.lexsort(keys)]
