"""Full-text search: the knowledge base's article search and the one search box over
articles, municipalities, software, services, organisations and collaborations.

Query syntax (what people type into a search box): words must all match (German folding,
stemming and compound prefixes: "Bürger" finds "Bürgerservice"), `"..."` a phrase, `-word`
excludes, `word*` forces a prefix, `word~` forces typo tolerance. When nothing matches,
typo-tolerant matching kicks in by itself and a "did you mean" suggestion is offered.

Visibility is part of the query, so every list, count and facet respects it: members-only
content never reaches anonymous users or vendors, drafts and private articles only their
editors and moderators. Hits are re-read from the database with the same rule before they
are shown. The searcher stays open and is reused until the index changes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db.models import Model
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from hub import permissions as hub_permissions
from hub.models import (
    Collaboration,
    Municipality,
    Organization,
    Service,
    Software,
    SoftwareCategory,
    Usage,
    UsageStatus,
    Visibility,
)
from hub.permissions import User
from knowledge import engine, markdown
from knowledge import index as search_index
from knowledge import permissions as kb_permissions
from knowledge.analysis import WORD, analysis_cache, fold, normalise
from knowledge.models import (
    READABLE_STATES,
    Article,
    ArticleKind,
    ArticleStatus,
    Tag,
)

RELEVANCE = "relevance"
DATE = "date"
MIN_PREFIX = 4          # shorter stems would expand to half the dictionary
PREFIX_FACTOR = 0.5     # a compound match counts half an exact match
FUZZY_FACTOR = 0.4
SUGGEST_BELOW = 3       # offer "did you mean" when fewer hits than this
MUNICIPALITY_BOOST = 0.5  # per linked product/service the municipality uses or plans, up to 3
MAX_LIMIT = 100
RELEVANT_USAGE = [UsageStatus.EVALUATING, UsageStatus.PLANNED, UsageStatus.PILOT,
                  UsageStatus.PRODUCTION]

DOCTYPE_LABELS = {"article": _("Artikel"), "municipality": _("Kommune"),
                  "software": _("Software"), "service": _("Leistung"),
                  "organization": _("Organisation"), "collaboration": _("Kooperation")}


@dataclass
class Clause:
    words: list[str]
    negate: bool = False
    phrase: bool = False
    prefix: bool = False
    fuzzy: bool = False


_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')


def parse_query(text: str) -> list[Clause]:
    clauses = []
    for m in _TOKEN.finditer(text or ""):
        if m.group(2) is not None:
            words = re.findall(r"\w+", m.group(2))
            if words:
                clauses.append(Clause(words, negate=bool(m.group(1)), phrase=len(words) > 1))
            continue
        raw = m.group(4)
        prefix, fuzzy = raw.endswith("*"), raw.endswith("~")
        for word in re.findall(r"\w+", raw):
            clauses.append(Clause([word], negate=bool(m.group(3)), prefix=prefix, fuzzy=fuzzy))
    return clauses


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class Hit:
    doctype: str
    pk: int
    score: float
    title: str
    url: str
    kind: str
    kind_label: str
    highlight: str
    obj: Model
    title_highlight: str = ""


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    fuzzy: bool = False
    offset: int = 0
    limit: int = 20


# --- the open searcher ------------------------------------------------------------------

class _State:
    lock = threading.RLock()
    path: Path | None = None
    searcher: Any = None
    snapshot: engine.Snapshot | None = None
    caches: dict[str, engine.SegmentCache] = {}


def _snapshot() -> engine.Snapshot:
    """The current snapshot; refreshed only when the index changed (call under the lock)."""
    path = search_index.index_dir()
    if _State.path != path or _State.searcher is None or not search_index.exists():
        close()
        _State.path = path
        _State.searcher = search_index.open_index().searcher()
    elif not _State.searcher.up_to_date():
        # A fresh searcher, not Searcher.refresh(): refresh() reuses the reader of a segment
        # whose id is unchanged and so misses documents deleted from it since (measured
        # with whoosh-reloaded 2.7.5). Our per-segment arrays survive either way.
        _State.searcher.close()
        _State.searcher = search_index.open_index().searcher()
        _State.snapshot = None
    if _State.snapshot is None:
        _State.snapshot = engine.Snapshot(_State.searcher, _State.caches)
    return _State.snapshot


def close() -> None:
    with _State.lock:
        if _State.searcher is not None:
            _State.searcher.close()
        _State.searcher = _State.snapshot = None
        _State.caches = {}


# --- evaluation --------------------------------------------------------------------------

@dataclass
class _Evaluation:
    scores: np.ndarray
    matched: np.ndarray
    terms: set[str]  # every indexed word that matched (stems, compounds, typo variants)
    heads: set[str]  # what those words start with: the stems and typo variants
    fuzzy: bool = False


def _evaluate(snap: engine.Snapshot, clauses: list[Clause], fuzzy: bool) -> _Evaluation:
    scores = np.zeros(snap.n, dtype=np.float32)
    matched = np.ones(snap.n, dtype=bool)
    terms: set[str] = set()
    heads: set[str] = set()
    used_fuzzy = False
    for clause in clauses:
        stems = [s for s in (normalise(w) for w in clause.words) if s]
        if not stems:
            continue  # stop words only
        if clause.phrase:
            part = sum((snap.term_scores(s) for s in stems), np.zeros(snap.n, np.float32))
            part *= snap.phrase(stems)
            expansions: list[str] = []
            similar: list[str] = []
        else:
            stem = stems[0]
            part = snap.term_scores(stem)
            compounds = clause.prefix or len(stem) >= MIN_PREFIX
            expansions = snap.expand(stem) if compounds else []
            if compounds:
                part = part + PREFIX_FACTOR * snap.prefix_scores(stem)
            similar = []
            if clause.fuzzy or (fuzzy and len(stem) >= 4):
                similar = snap.similar(stem, 1 if len(stem) <= 6 else 2)
                used_fuzzy = used_fuzzy or bool(similar)
                part = part + FUZZY_FACTOR * snap.union_scores(similar)
                expansions = expansions + similar
        if clause.negate:
            matched &= part <= 0
            continue
        terms.update(stems)
        terms.update(expansions)
        heads.update(stems)
        heads.update(similar)
        matched &= part > 0
        scores += part
    return _Evaluation(scores, matched, terms, heads, used_fuzzy)


def _visible(snap: engine.Snapshot, user: User) -> np.ndarray:
    docs = snap.live & snap.any_mask("doctype", search_index.DOCTYPES)
    if hub_permissions.is_moderator(user):
        return docs
    member = hub_permissions.is_member(user)
    articles = snap.mask("doctype", search_index.ARTICLE)
    readable = (snap.any_mask("status", READABLE_STATES)
                & snap.any_mask("visibility", kb_permissions.readable_visibilities(user)))
    entity_ok = snap.mask("visibility", Visibility.PUBLIC)
    if member:
        entity_ok = entity_ok | snap.mask("visibility", Visibility.MEMBERS)
    visible = (articles & readable) | (~articles & entity_ok)
    if user.is_authenticated:
        visible = visible | (articles & snap.mask("editors", str(user.pk)))
    return docs & visible


def _municipality_boost(snap: engine.Snapshot, user: User,
                        municipality: Municipality | None) -> np.ndarray | None:
    """Articles linked to software or services the municipality uses or plans rank higher."""
    if municipality is not None:
        municipalities = [municipality]
    else:
        municipalities = list(hub_permissions.edited_municipalities(user))
    if not municipalities:
        return None
    usages = Usage.objects.filter(municipality__in=municipalities, status__in=RELEVANT_USAGE)
    software = set(usages.values_list("software_id", flat=True))
    services = set(usages.values_list("services", flat=True)) - {None}
    hits = np.zeros(snap.n, dtype=np.float32)
    for pk in software:
        hits += snap.mask("software", str(pk))
    for pk in services:
        hits += snap.mask("services", str(pk))
    return 1.0 + MUNICIPALITY_BOOST * np.minimum(hits, 3.0)


def _facet(snap: engine.Snapshot, name: str, selected: np.ndarray) -> dict[str, int]:
    counts = {}
    for term in snap.terms(name):
        ids = snap.postings(name, term)[0]
        count = int(selected[ids].sum())
        if count:
            counts[term] = count
    return counts


def _suggest(snap: engine.Snapshot, clauses: list[Clause]) -> str | None:
    """Replace each word unknown to the index by its most frequent neighbour (1–2 edits)."""
    reader = snap.searcher.reader()
    changed, words = False, []
    for clause in clauses:
        if clause.negate or clause.phrase:
            words.append(("-" if clause.negate else "") + " ".join(clause.words))
            continue
        word = clause.words[0]
        lower = word.lower()
        best = None
        if len(lower) >= 4 and not reader.doc_frequency("spell", lower):
            for distance in (1, 2):
                candidates = list(reader.terms_within("spell", lower, distance, prefix=1))
                candidates = [c for c in candidates if fold(c) != fold(lower)]
                if candidates:
                    best = max(candidates, key=lambda c: (reader.doc_frequency("spell", c), c))
                    break
        changed = changed or best is not None
        words.append(best or word)
    return " ".join(words) if changed else None


@dataclass
class _Run:
    snap: engine.Snapshot
    evaluation: _Evaluation
    page: np.ndarray
    scores: np.ndarray
    total: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None


Filters = list[tuple[str, np.ndarray]]


def _run(*, snap: engine.Snapshot, user: User, query: str, scope: np.ndarray | None,
         filters: Filters, facet_fields: list[str], sort: str, offset: int, limit: int,
         boost: np.ndarray | None = None) -> _Run:
    clauses = parse_query(query)
    base = _visible(snap, user)
    if scope is not None:
        base &= scope
    evaluation = _evaluate(snap, clauses, fuzzy=False)
    if not (evaluation.matched & base).any() and clauses:
        evaluation = _evaluate(snap, clauses, fuzzy=True)
    matched = evaluation.matched & base
    facets = {name: _facet(snap, name, matched & _all_but(filters, name)) for name in facet_fields}
    for _name, mask in filters:
        matched &= mask
    positive = any(not c.negate and any(normalise(w) for w in c.words) for c in clauses)
    scores = evaluation.scores
    if boost is not None:
        scores = scores * boost if positive else boost
    candidates = np.flatnonzero(matched)
    ranked = boost is not None or positive
    if sort == DATE or not ranked:
        order = engine.top(candidates, snap.column("updated"))
    else:  # relevance; newer first among equals (e.g. an empty query with a boost)
        order = engine.top(candidates, scores, snap.column("updated"))
    suggestion = None
    if clauses and (len(candidates) < SUGGEST_BELOW or evaluation.fuzzy):
        suggestion = _suggest(snap, clauses)
    return _Run(snap, evaluation, order[offset:offset + limit], scores, len(candidates), facets,
                suggestion)


def _all_but(filters: Filters, name: str) -> np.ndarray | bool:
    """Facet counts of a field ignore that field's own filter (so other values stay
    selectable), but respect all the others."""
    mask: np.ndarray | bool = True
    for other, m in filters:
        if other != name:
            mask = mask & m
    return mask


# --- hits ----------------------------------------------------------------------------------

SNIPPET_CHARS = 240
_CONTEXT = 60
_MAX_MARKS = 8


_FOLDED = {"a": "(?:ae|a|ä)", "o": "(?:oe|o|ö)", "u": "(?:ue|u|ü)"}


def heads_pattern(heads: set[str]) -> re.Pattern | None:
    """Words that may start with one of these stems, umlauts and ß spelled any way: a cheap
    C-speed filter; each hit is then confirmed through the real analysis."""
    patterns = []
    for head in sorted(heads, key=len, reverse=True):
        out, i = [], 0
        while i < len(head):
            if head.startswith("ss", i):
                out.append("(?:ss|ß)")
                i += 2
                continue
            out.append(_FOLDED.get(head[i], re.escape(head[i])))
            i += 1
        patterns.append("".join(out))
    if not patterns:
        return None
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\w*", re.IGNORECASE)


def _matches(text: str, terms: set[str], heads: re.Pattern | None) -> Iterator[re.Match]:
    """The words of `text` whose stem (as the index analyses it) is one of `terms`."""
    cache = analysis_cache()
    for match in (heads or WORD).finditer(text):
        word = match.group(0)
        stem = cache.get(word)
        if stem is None:
            stem = normalise(word)
        if stem in terms:
            yield match


def highlight(text: str, terms: set[str], fallback: str = "",
              heads: re.Pattern | None = None) -> str:
    """Escaped snippet (up to two fragments) with the matched words in <mark>.

    Words are matched through the same folding and stemming as the index (so "Buerger" marks
    "Bürger" and a compound prefix marks "Bürgerservice"). The scan stops after a handful of
    matches: snippets come from the first places a document mentions the query, which is
    what a reader scanning a result list needs. `heads` (from heads_pattern) lets the scan
    skip words that cannot match."""
    marks: list[tuple[int, int]] = []
    if terms:
        windows = 0
        for match in _matches(text, terms, heads):
            start = match.start()
            if not marks or start > marks[-1][1] + _CONTEXT:
                windows += 1
                if windows > 2:
                    break  # two fragments are all we show
            marks.append(match.span())
            if len(marks) >= _MAX_MARKS:
                break
    if not marks:
        plain = fallback or text
        return escape(plain[:SNIPPET_CHARS].strip() + ("…" if len(plain) > SNIPPET_CHARS else ""))
    windows: list[list[int]] = []
    for start, end in marks:
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], min(end + _CONTEXT, len(text)))
        elif len(windows) < 2:
            windows.append([max(0, start - _CONTEXT), min(len(text), end + _CONTEXT)])
    pieces = []
    for lo, hi in windows:
        lo = _word_boundary(text, lo, backwards=True)
        hi = _word_boundary(text, hi, backwards=False)
        out, pos = [], lo
        for start, end in marks:
            if start >= lo and end <= hi:
                out.append(escape(text[pos:start]))
                out.append(f"<mark>{escape(text[start:end])}</mark>")
                pos = end
        out.append(escape(text[pos:hi]))
        piece = " ".join("".join(out).split())
        pieces.append(("… " if lo > 0 else "") + piece + (" …" if hi < len(text) else ""))
    return " ".join(pieces).replace("… …", "…")


def mark_all(text: str, terms: set[str], heads: re.Pattern | None = None) -> str:
    """The whole (short) text escaped, every matched word in <mark>: for titles."""
    out, pos = [], 0
    for match in _matches(text, terms, heads):
        out.append(escape(text[pos:match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def _word_boundary(text: str, index: int, *, backwards: bool) -> int:
    if index <= 0 or index >= len(text):
        return max(0, min(index, len(text)))
    step = -1 if backwards else 1
    limit = 20
    while 0 < index < len(text) and not text[index].isspace() and limit:
        index += step
        limit -= 1
    return index


def _load(doctype: str, pks: list[int], user: User) -> dict[int, Model]:
    if doctype == search_index.ARTICLE:
        qs = Article.objects.filter(kb_permissions.article_visibility_q(user)).defer("body")
    elif doctype == "collaboration":
        qs = Collaboration.objects.all()
        if not hub_permissions.is_member(user):
            qs = qs.filter(visibility=Visibility.PUBLIC)
    else:
        qs = {"municipality": Municipality.objects.select_related("state"),
              "software": Software.objects.select_related("category", "vendor"),
              "service": Service.objects.all(),
              "organization": Organization.objects.all()}[doctype]
    return {obj.pk: obj for obj in qs.filter(pk__in=pks)}


def _describe(doctype: str, obj: Any) -> tuple[str, str, str, str]:
    """(title, url, kind, kind label) of a hit."""
    if doctype == search_index.ARTICLE:
        return obj.title, obj.get_absolute_url(), obj.kind, obj.get_kind_display()
    label = str(DOCTYPE_LABELS[doctype])
    if doctype == "municipality":
        return obj.name, markdown.entity_url("municipality", obj.ags, obj.pk), doctype, label
    if doctype == "service":
        from knowledge.services import service_key

        return obj.name, markdown.entity_url("service", service_key(obj), obj.pk), doctype, label
    if doctype == "collaboration":
        return obj.title, markdown.entity_url("collaboration", obj.slug, obj.pk), doctype, label
    return obj.name, markdown.entity_url(doctype, obj.slug, obj.pk), doctype, label


_HEAD = 4000  # characters of HTML turned into text first; most snippets come from there


def _snippet(doctype: str, obj: Any, terms: set[str], heads: re.Pattern | None) -> str:
    if doctype == search_index.ARTICLE:
        head = f"{obj.summary}\n{markdown.html_to_text(obj.html[:_HEAD])}"
        snippet = highlight(head, terms, heads=heads)
        if "<mark>" in snippet or len(obj.html) <= _HEAD:
            return snippet
        return highlight(f"{obj.summary}\n{markdown.html_to_text(obj.html)}", terms,
                         fallback=head, heads=heads)
    if doctype == "software":
        text = obj.description or f"{obj.category.name} {obj.aliases}"
    elif doctype == "collaboration":
        text = obj.description or obj.get_topic_display()
    else:
        text = obj.description or obj.get_kind_display()
    return highlight(text, terms, heads=heads)


def _hits(run: _Run, user: User, with_highlights: bool) -> list[Hit]:
    keys = []
    for docnum in run.page:
        stored = run.snap.searcher.stored_fields(int(docnum))
        doctype, pk = search_index.parse_doc_id(stored["doc_id"])
        keys.append((doctype, pk, float(run.scores[docnum])))
    heads = heads_pattern(run.evaluation.heads) if with_highlights else None
    loaded: dict[str, dict[int, Model]] = {}
    for doctype in {k[0] for k in keys}:
        loaded[doctype] = _load(doctype, [k[1] for k in keys if k[0] == doctype], user)
    hits = []
    for doctype, pk, score in keys:
        obj = loaded[doctype].get(pk)
        if obj is None:  # changed since the index saw it; the database decides
            continue
        title, url, kind, kind_label = _describe(doctype, obj)
        snippet = _snippet(doctype, obj, run.evaluation.terms, heads) if with_highlights else ""
        marked = mark_all(title, run.evaluation.terms, heads) if with_highlights else ""
        hits.append(Hit(doctype=doctype, pk=pk, score=round(score, 4), title=title, url=url,
                        kind=kind, kind_label=kind_label, highlight=snippet, obj=obj,
                        title_highlight=marked))
    return hits


def _labelled(name: str, counts: dict[str, int]) -> list[FacetValue]:
    if name == "kind":
        labels = {k: str(v) for k, v in ArticleKind.choices}
    elif name == "status":
        labels = {k: str(v) for k, v in ArticleStatus.choices}
    elif name in ("tags", "category"):
        labels = _names(name)
    else:
        labels = {k: str(v) for k, v in DOCTYPE_LABELS.items()}
    values = [FacetValue(value, labels.get(value, value), count) for value, count in counts.items()]
    return sorted(values, key=lambda v: (-v.count, v.label.lower()))


def _names(name: str) -> dict[str, str]:
    """Display names of tags and categories, cached with the snapshot: renaming one writes
    an outbox event, which changes the index and so the snapshot."""
    snap = _State.snapshot
    cache = snap.labels if snap is not None else {}
    if name not in cache:
        model = Tag if name == "tags" else SoftwareCategory
        cache[name] = dict(model.objects.values_list("slug", "name"))
    return cache[name]


def _bounds(offset: int, limit: int) -> tuple[int, int]:
    return max(0, int(offset)), max(1, min(int(limit), MAX_LIMIT))


def search_articles(*, user: User, query: str = "", kinds: list[str] | None = None,
                    tags: list[str] | None = None, categories: list[str] | None = None,
                    states: list[str] | None = None, sort: str = RELEVANCE, offset: int = 0,
                    limit: int = 20, relevant_for_my_municipality: bool = False,
                    municipality: Municipality | None = None,
                    highlights: bool = True, facets: bool = True) -> SearchResult:
    """The knowledge base search: facets kind, tag, software category and state.

    `relevant_for_my_municipality` (signed-in editors) or an explicit `municipality` boosts
    articles linked to the software and services that municipality uses or plans. Callers
    that show no snippets or facets switch them off (`highlights`, `facets`) to save time."""
    offset, limit = _bounds(offset, limit)
    with _State.lock:
        snap = _snapshot()
        filters: Filters = []
        for name, values in (("kind", kinds), ("tags", tags), ("category", categories),
                             ("status", states)):
            if values:
                filters.append((name, snap.any_mask(name, values)))
        boost = None
        if municipality is not None or (relevant_for_my_municipality and user.is_authenticated):
            boost = _municipality_boost(snap, user, municipality)
        run = _run(snap=snap, user=user, query=query,
                   scope=snap.mask("doctype", search_index.ARTICLE), filters=filters,
                   facet_fields=["kind", "tags", "category", "status"] if facets else [],
                   sort=sort,
                   offset=offset, limit=limit, boost=boost)
        hits = _hits(run, user, highlights)
    return SearchResult(query=query, total=run.total, hits=hits,
                        facets={name: _labelled(name, counts) for name, counts in run.facets.items()},
                        suggestion=run.suggestion, fuzzy=run.evaluation.fuzzy, offset=offset,
                        limit=limit)


def search_all(*, user: User, query: str, doctypes: list[str] | None = None, offset: int = 0,
               limit: int = 20, highlights: bool = True) -> SearchResult:
    """One search box: articles, municipalities, software, services, organisations and
    collaborations by name, aliases and description, with a facet by type."""
    offset, limit = _bounds(offset, limit)
    with _State.lock:
        snap = _snapshot()
        filters: Filters = [("doctype", snap.any_mask("doctype", doctypes))] if doctypes else []
        run = _run(snap=snap, user=user, query=query, scope=None, filters=filters,
                   facet_fields=["doctype"], sort=RELEVANCE, offset=offset, limit=limit)
        hits = _hits(run, user, highlights)
    return SearchResult(query=query, total=run.total, hits=hits,
                        facets={"doctype": _labelled("doctype", run.facets["doctype"])},
                        suggestion=run.suggestion, fuzzy=run.evaluation.fuzzy, offset=offset,
                        limit=limit)
