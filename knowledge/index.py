"""The Whoosh search index: schema, documents, the one writer, the outbox consumer, rebuild.

The index is a projection of the database (articles plus municipalities, software, services,
organisations and collaborations, so one search box finds them all). It is only ever written
here: incrementally by `consume` (the outbox consumer listed in settings.OUTBOX_CONSUMERS)
and wholesale by `rebuild` (`manage.py search_rebuild`, or on its own when the directory is
missing or holds an older schema). Deleting the directory therefore loses nothing.

One writer: within a process a lock serialises writers, across processes Whoosh's file lock
does, and `writer()` waits for it (SEARCH_WRITE_TIMEOUT) instead of failing with LockError,
so concurrent requests that commit at the same moment queue up rather than error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch
from whoosh import columns, fields, index
from whoosh.writing import CLEAR, IndexWriter

from hub import outbox
from hub.models import (
    Collaboration,
    Municipality,
    Organization,
    Service,
    Software,
    Visibility,
)
from knowledge import markdown
from knowledge.analysis import join_sections, section_analyzer, spelling_analyzer
from knowledge.models import Article, ArticleStatus

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "7"
ARTICLE = "article"
ENTITY_TYPES = ("municipality", "software", "service", "organization", "collaboration")
DOCTYPES = (ARTICLE, *ENTITY_TYPES)
# Entities whose name appears in the documents of the articles linked to them.
LINKED_FIELDS = {"municipality": "municipalities", "software": "software",
                 "service": "services", "collaboration": "collaborations"}


def schema() -> fields.Schema:
    keyword = {"commas": True, "lowercase": False, "scorable": False}
    return fields.Schema(
        doc_id=fields.ID(unique=True, stored=True),
        doctype=fields.ID(stored=True),
        text=fields.TEXT(analyzer=section_analyzer(), phrase=True),
        spell=fields.TEXT(analyzer=spelling_analyzer(), phrase=False),
        kind=fields.ID(),
        status=fields.ID(),
        visibility=fields.ID(),
        tags=fields.KEYWORD(**keyword),
        category=fields.KEYWORD(**keyword),
        municipalities=fields.KEYWORD(**keyword),
        software=fields.KEYWORD(**keyword),
        services=fields.KEYWORD(**keyword),
        collaborations=fields.KEYWORD(**keyword),
        editors=fields.KEYWORD(**keyword),
        # a column only (sort by date); indexing it as NUMERIC would add ~8 terms per document
        updated=fields.COLUMN(columns.NumericColumn("Q", default=0)),
        version=fields.STORED(),
    )


def index_dir() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def doc_id(doctype: str, pk: int) -> str:
    return f"{doctype}:{pk}"


def parse_doc_id(value: str) -> tuple[str, int]:
    doctype, pk = value.split(":", 1)
    return doctype, int(pk)


# --- opening ------------------------------------------------------------------------------

_write_lock = threading.RLock()



def exists() -> bool:
    path = index_dir()
    return path.is_dir() and index.exists_in(str(path))


def is_current(ix: index.Index) -> bool:
    """An index written with an older schema is rebuilt, never half-used."""
    return sorted(ix.schema.names()) == sorted(schema().names()) and _version(ix) == SCHEMA_VERSION


def _version(ix: index.Index) -> str | None:
    with ix.searcher() as searcher:
        stored = searcher.document(doc_id="meta:version")
    return stored.get("version") if stored else None


def open_index() -> index.Index:
    """Open the index, creating (and filling) it if the directory is missing or outdated."""
    ix = _retry(_open_current)
    if ix is None:
        rebuild()
        ix = _retry(lambda: index.open_dir(str(index_dir())))
    return ix


def _open_current() -> index.Index | None:
    if not exists():
        return None
    ix = index.open_dir(str(index_dir()))
    return ix if is_current(ix) else None


def _retry(fn, attempts: int = 20):
    """A writer in another process may delete the previous generation's files while we open
    it (FileNotFoundError); like Whoosh's own reader, try again on the next generation."""
    for attempt in range(attempts):
        try:
            return fn()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)
    return None


@contextmanager
def writer(ix: index.Index | None = None, *, clear: bool = False) -> Iterator[IndexWriter]:
    """The one way to write: waits for the lock instead of raising LockError."""
    with _write_lock:
        ix = ix or open_index()
        # A full rebuild keeps its postings in memory (fewer runs to merge on disk: ~20 %
        # faster); incremental writes are small anyway.
        w = ix.writer(timeout=settings.SEARCH_WRITE_TIMEOUT, delay=0.05,
                      limitmb=512 if clear else 64)
        try:
            yield w
            w.commit(mergetype=CLEAR) if clear else w.commit()
        except BaseException:
            _abandon(w)
            raise


def _abandon(w: IndexWriter) -> None:
    """Cancel a failed write and make sure its lock is released, so the next writer in this
    process does not wait for a lock nobody will give back."""
    try:
        w.cancel()
    except Exception:  # noqa: BLE001 - already half-committed; the lock matters now
        logger.warning("search index writer could not cancel cleanly")
    lock = getattr(w, "writelock", None)
    if lock is not None:
        try:
            lock.release()
        except Exception:  # noqa: BLE001 - released by cancel() already
            pass


def check_search() -> tuple[bool, dict]:
    """Readiness (hub.health): the index opens and has the current schema. A missing index
    is not a failure: the first search or write rebuilds it from the database."""
    if not exists():
        return True, {"index": "missing"}
    ix = _retry(lambda: index.open_dir(str(index_dir())))
    current = is_current(ix)
    with ix.searcher() as searcher:
        documents = searcher.doc_count() - 1  # without the schema-version document
    return True, {"index": "current" if current else "outdated", "documents": documents}


def drift() -> dict[str, dict[str, int]]:
    """Documents the index lacks or holds beyond the database, per document type (for the
    soak and `manage.py search_check`): the index is a projection, so after the outbox has
    drained both sides name the same rows. Empty when they match."""
    from whoosh import query

    expected: dict[str, set[int]] = {
        ARTICLE: set(Article.objects.values_list("pk", flat=True)),
        "municipality": set(Municipality.objects.values_list("pk", flat=True)),
        "software": set(Software.objects.values_list("pk", flat=True)),
        "service": set(Service.objects.values_list("pk", flat=True)),
        "organization": set(Organization.objects.values_list("pk", flat=True)),
        "collaboration": set(Collaboration.objects.values_list("pk", flat=True)),
    }
    found: dict[str, set[int]] = defaultdict(set)
    if exists():
        ix = _retry(lambda: index.open_dir(str(index_dir())))
        with ix.searcher() as searcher:
            for doctype in DOCTYPES:
                hits = searcher.search(query.Term("doctype", doctype), limit=None, scored=False)
                found[doctype] = {parse_doc_id(hit["doc_id"])[1] for hit in hits}
    report = {}
    for doctype in DOCTYPES:
        missing, extra = expected[doctype] - found[doctype], found[doctype] - expected[doctype]
        if missing or extra:
            report[doctype] = {"missing": len(missing), "extra": len(extra)}
    return report


# --- documents ----------------------------------------------------------------------------

def _join(values: Iterable) -> str:
    return ",".join(str(v) for v in values if v not in (None, ""))


def _stamp(value) -> int:
    """Microseconds: articles saved within the same second still sort by date."""
    return int(value.timestamp() * 1_000_000) if value else 0


def article_documents(pks: Sequence[int] | None = None) -> Iterator[dict]:
    from knowledge import permissions

    qs = Article.objects.prefetch_related(
        "tags", "municipalities", "collaborations", "services", "authors",
        Prefetch("software", queryset=Software.objects.select_related("category")))
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    for chunk in _chunks(qs.order_by("pk").iterator(chunk_size=500), 500):
        editors = permissions.editor_ids_many(chunk)
        for a in chunk:
            yield _article_document(a, editors[a.pk])


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _article_document(a: Article, editors: list[int]) -> dict:
    software = list(a.software.all())
    names = [a.get_kind_display()] + [t.name for t in a.tags.all()]
    names += [m.name for m in a.municipalities.all()]
    names += [f"{s.name} {s.aliases}" for s in software]
    names += [s.name for s in a.services.all()] + [c.title for c in a.collaborations.all()]
    return {
        "doc_id": doc_id(ARTICLE, a.pk), "doctype": ARTICLE,
        "text": join_sections(a.title, a.summary, " ".join(names), markdown.html_to_text(a.html)),
        "spell": f"{a.title} {a.summary} {' '.join(names)}",
        "kind": a.kind, "status": a.status, "visibility": a.visibility,
        "tags": _join(t.slug for t in a.tags.all()),
        "category": _join({s.category.slug for s in software}),
        "municipalities": _join(m.pk for m in a.municipalities.all()),
        "software": _join(s.pk for s in software),
        "services": _join(s.pk for s in a.services.all()),
        "collaborations": _join(c.pk for c in a.collaborations.all()),
        "editors": _join(editors),
        "updated": _stamp(a.updated_at),
    }


def _entity(doctype: str, pk: int, title: str, summary: str, names: str, body: str, *,
            kind: str = "", visibility: str = Visibility.PUBLIC, category: str = "",
            updated=None) -> dict:
    return {"doc_id": doc_id(doctype, pk), "doctype": doctype,
            "text": join_sections(title, summary, names, body), "spell": f"{title} {names}",
            "kind": kind, "status": ArticleStatus.PUBLISHED, "visibility": visibility,
            "category": category, "updated": _stamp(updated)}


def entity_documents(doctype: str, pks: Sequence[int] | None = None) -> Iterator[dict]:
    builders = {"municipality": _municipalities, "software": _software, "service": _services,
                "organization": _organizations, "collaboration": _collaborations}
    yield from builders[doctype](pks)


def _only(qs, pks):
    return (qs.filter(pk__in=pks) if pks is not None else qs).iterator(chunk_size=2000)


def _municipalities(pks):
    for m in _only(Municipality.objects.select_related("state", "parent"), pks):
        summary = " ".join(filter(None, [m.get_kind_display(), m.parent.name if m.parent else "",
                                         m.state.name]))
        yield _entity("municipality", m.pk, m.name, summary,
                      f"{m.short_name} {m.ags} {m.postal_code}", m.description, kind=m.kind,
                      updated=m.updated_at)


def _software(pks):
    for s in _only(Software.objects.select_related("category", "vendor"), pks):
        summary = f"{s.category.name} {s.vendor.name if s.vendor else ''}"
        yield _entity("software", s.pk, s.name, summary, f"{s.aliases} {s.slug} {s.platforms}",
                      s.description, kind="open_source" if s.is_open_source else "",
                      category=s.category.slug, updated=s.updated_at)


def _services(pks):
    for s in _only(Service.objects.select_related("themenfeld", "lebenslage"), pks):
        summary = " ".join(filter(None, [s.get_kind_display(),
                                         s.themenfeld.name if s.themenfeld else "",
                                         s.lebenslage.name if s.lebenslage else ""]))
        yield _entity("service", s.pk, s.name, summary, f"{s.leika_key or ''} {s.ozg_id}",
                      s.description, kind=s.kind, updated=s.updated_at)


def _organizations(pks):
    for o in _only(Organization.objects.all(), pks):
        yield _entity("organization", o.pk, o.name, f"{o.get_kind_display()} {o.seat}",
                      f"{o.aliases} {o.slug}", o.description, kind=o.kind, updated=o.updated_at)


def _collaborations(pks):
    qs = Collaboration.objects.prefetch_related("municipalities", "organizations", "software")
    for c in _only(qs, pks):
        names = [m.name for m in c.municipalities.all()] + [o.name for o in c.organizations.all()]
        names += [s.name for s in c.software.all()]
        yield _entity("collaboration", c.pk, c.title, c.get_topic_display(), " ".join(names),
                      c.description, kind=c.topic, visibility=c.visibility, updated=c.updated_at)


def _compact(document: dict) -> dict:
    """Leave out empty fields: Whoosh would still process them for every document."""
    return {k: v for k, v in document.items() if v not in ("", None)}


def all_documents() -> Iterator[dict]:
    yield {"doc_id": "meta:version", "doctype": "meta", "version": SCHEMA_VERSION}
    yield from article_documents()
    for doctype in ENTITY_TYPES:
        yield from entity_documents(doctype)


# --- rebuild and incremental updates -------------------------------------------------------

def rebuild() -> int:
    """Rebuild from the database into a fresh index; returns the number of documents.

    Readers keep their snapshot until the commit (CLEAR swaps in the new segments at once)."""
    path = index_dir()
    with _write_lock:
        if exists():
            ix = index.open_dir(str(path))
            if not is_current(ix):
                ix = index.create_in(str(path), schema())
        else:
            path.mkdir(parents=True, exist_ok=True)
            ix = index.create_in(str(path), schema())
        count = 0
        with writer(ix, clear=True) as w:
            for document in all_documents():
                w.add_document(**_compact(document))
                count += 1
    logger.info("search index rebuilt: %s documents", count - 1)
    return count - 1


def _articles_linked_to(ix: index.Index, field: str, pks: set[int]) -> set[int]:
    """Articles whose document names one of these entities, found in the index itself, so a
    deleted entity (its link rows gone from the database) still reaches them."""
    from whoosh import query

    if not pks:
        return set()
    q = query.Or([query.Term(field, str(pk)) for pk in pks])
    with ix.searcher() as searcher:
        found = searcher.search(q, limit=None, scored=False)
        return {parse_doc_id(hit["doc_id"])[1] for hit in found}


def _plan(events: Sequence[outbox.Event], ix: index.Index) -> dict[tuple[str, int], str]:
    """Last operation per document, plus the articles that display a changed entity."""
    plan: dict[tuple[str, int], str] = {}
    touched: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.entity_id is None:
            continue
        if event.entity in DOCTYPES:
            plan[(event.entity, event.entity_id)] = event.op
        if event.entity in LINKED_FIELDS:
            touched[LINKED_FIELDS[event.entity]].add(event.entity_id)
        elif event.entity == "tag" and event.payload.get("slug"):
            touched["tags"].add(event.payload["slug"])
        elif event.entity == "tag":
            touched["tag_pk"].add(event.entity_id)
        elif event.entity == "category":
            ids = Software.objects.filter(category_id=event.entity_id).values_list("pk", flat=True)
            for pk in ids:
                plan.setdefault(("software", pk), outbox.UPSERT)
            touched["software"].update(ids)
    if tag_pks := touched.pop("tag_pk", set()):
        touched["tags"].update(Article.tags.through.objects.filter(tag_id__in=tag_pks)
                               .values_list("tag__slug", flat=True))
    for field, pks in touched.items():
        for pk in _articles_linked_to(ix, field, pks):
            plan.setdefault((ARTICLE, pk), outbox.UPSERT)
    return plan


def consume(events: Sequence[outbox.Event]) -> None:
    """Outbox consumer: apply a batch of events to the index (idempotent)."""
    if any(e.op == outbox.REBUILD for e in events) or not exists():
        rebuild()
        return
    ix = open_index()
    plan = _plan(events, ix)
    if not plan:
        return
    upserts: dict[str, list[int]] = defaultdict(list)
    for (doctype, pk), op in plan.items():
        if op != outbox.DELETE:
            upserts[doctype].append(pk)
    with writer(ix) as w:
        found: set[str] = set()
        for doctype, pks in upserts.items():
            documents = (article_documents(pks) if doctype == ARTICLE
                         else entity_documents(doctype, pks))
            for document in documents:
                w.update_document(**_compact(document))
                found.add(document["doc_id"])
        for (doctype, pk), _op in plan.items():
            if doc_id(doctype, pk) not in found:  # deleted, or gone before we got here
                w.delete_by_term("doc_id", doc_id(doctype, pk))
