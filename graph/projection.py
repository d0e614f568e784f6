"""The graph projection of the relational data: outbox consumer, rebuild, row builders.

The database is the source of truth. `consume(events)` (listed in settings.OUTBOX_CONSUMERS)
reconciles every entity an event names with its current database row: a row that exists is
upserted (MERGE by pk in UNWIND batches), a row that is gone is deleted. Applying a batch
twice, or out of order, gives the same graph, which is what lets the outbox retry freely.

The row builders below are the one definition of "what the graph should hold"; the consumer,
`rebuild()` and graph_check (graph/check.py) all use them.

What is projected: municipalities (Land, Kreis), organisations and memberships, software with
category and vendor, services (LeiKa → OZG), usages (all statuses and both visibilities, each
marked `public`), collaborations. Contacts are personal data and are not projected.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, LiteralString

from django.db.models import Count, Max, Q

from graph import bands, cypher
from graph.client import GraphBackend, get_backend
from hub import outbox
from hub.models import (
    Collaboration,
    Membership,
    Municipality,
    MunicipalityKind,
    Organization,
    OutboxCursor,
    OutboxEvent,
    Service,
    Software,
    SoftwareCategory,
    State,
    Usage,
    UsageStatus,
    Visibility,
)

logger = logging.getLogger(__name__)

CONSUMER = "graph.projection.consume"
BATCH = 2000
IN_USE = (UsageStatus.PILOT, UsageStatus.PRODUCTION)
ENTITIES = {"municipality", "organization", "membership", "category", "software", "service",
            "usage", "collaboration"}

Rows = list[dict[str, Any]]


# --------------------------------------------------------------------------- row builders


def _chunks(items: Sequence[int], size: int = 900) -> Iterator[list[int]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _select(qs, pks: Iterable[int] | None, *fields: str) -> Iterator[dict[str, Any]]:
    if pks is None:
        yield from qs.values(*fields).order_by("pk").iterator(chunk_size=5000)
        return
    for chunk in _chunks(sorted(set(pks))):
        yield from qs.filter(pk__in=chunk).values(*fields).order_by("pk")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def state_rows(pks: Iterable[int] | None = None) -> Rows:
    return [{"pk": r["pk"], "props": {"code": r["code"], "name": r["name"]}}
            for r in _select(State.objects, pks, "pk", "code", "name")]


def category_rows(pks: Iterable[int] | None = None) -> Rows:
    return [{"pk": r["pk"], "props": {"slug": r["slug"], "name": r["name"]}}
            for r in _select(SoftwareCategory.objects, pks, "pk", "slug", "name")]


def organization_rows(pks: Iterable[int] | None = None) -> Rows:
    return [{"pk": r["pk"], "props": {"slug": r["slug"], "name": r["name"], "kind": r["kind"]}}
            for r in _select(Organization.objects, pks, "pk", "slug", "name", "kind")]


def municipality_rows(pks: Iterable[int] | None = None) -> Rows:
    rows = []
    fields = ("pk", "ags", "name", "kind", "state_id", "state__code", "population", "parent_id")
    for r in _select(Municipality.objects, pks, *fields):
        kreis = r["pk"] if r["kind"] == MunicipalityKind.KREIS else r["parent_id"]
        rows.append({
            "pk": r["pk"], "state_pk": r["state_id"], "parent": r["parent_id"],
            "props": {"ags": r["ags"], "name": r["name"], "kind": r["kind"],
                      "state": r["state__code"], "kreis": kreis, "population": r["population"],
                      "band": bands.band_of(r["population"])},
        })
    return rows


def software_rows(pks: Iterable[int] | None = None) -> Rows:
    """Products, with how many municipalities run them (pilot or production): all, and
    public usages only. The counts weight similarity and lift."""
    in_use = Q(usages__status__in=IN_USE)
    qs = Software.objects.annotate(
        n_users=Count("usages", filter=in_use),
        n_public=Count("usages", filter=in_use & Q(usages__visibility=Visibility.PUBLIC)),
    )
    fields = ("pk", "slug", "name", "is_open_source", "category_id", "vendor_id", "n_users",
              "n_public")
    return [{"pk": r["pk"], "category": r["category_id"], "vendor": r["vendor_id"],
             "props": {"slug": r["slug"], "name": r["name"], "open_source": r["is_open_source"],
                       "users": r["n_users"], "users_public": r["n_public"]}}
            for r in _select(qs, pks, *fields)]


def service_rows(pks: Iterable[int] | None = None) -> Rows:
    fields = ("pk", "kind", "name", "leika_key", "ozg_id", "ozg_service_id")
    return [{"pk": r["pk"], "ozg_service": r["ozg_service_id"],
             "props": {"kind": r["kind"], "name": r["name"], "leika_key": r["leika_key"],
                       "ozg_id": r["ozg_id"] or None}}
            for r in _select(Service.objects, pks, *fields)]


def membership_rows(pks: Iterable[int] | None = None) -> tuple[Rows, Rows]:
    """(memberships of municipalities, memberships of organisations). A membership that has
    an end date is history: it stays in the graph but is no introduction channel."""
    municipal, organizational = [], []
    fields = ("pk", "organization_id", "member_municipality_id", "member_organization_id",
              "role", "since", "until")
    for r in _select(Membership.objects, pks, *fields):
        current = r["until"] is None
        row = {"pk": r["pk"], "organization": r["organization_id"],
               "member": r["member_municipality_id"] or r["member_organization_id"],
               "props": {"role": r["role"], "since": _iso(r["since"]), "until": _iso(r["until"]),
                         "link": current, "link_members": current}}
        (municipal if r["member_municipality_id"] else organizational).append(row)
    return municipal, organizational


def usage_rows(pks: Iterable[int] | None = None) -> Rows:
    """Usages with the fields discovery reads (details such as end or target dates stay in
    the database: every property costs time in a 450,000-usage rebuild). `in_use` = pilot or
    production; `link` / `link_members` mark the usages that are introduction channels for
    `connections`, for everyone and for members."""
    return list(iter_usage_rows(pks))


def iter_usage_rows(pks: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
    """The same rows one at a time, ordered by municipality (a rebuild streams them)."""
    fields = ("pk", "municipality_id", "software_id", "status", "visibility", "since",
              "satisfaction", "open_to_joint_procurement", "operated_by_id", "successor_id")
    qs = Usage.objects.order_by("municipality_id", "pk").values_list(*fields)
    if pks is None:
        services = _usage_services(None)
        chunks: Iterable = [qs.iterator(chunk_size=10000)]
    else:
        pks = sorted(set(pks))
        services = _usage_services(pks)
        chunks = (qs.filter(pk__in=chunk) for chunk in _chunks(pks))
    for chunk in chunks:
        for (pk, municipality, software, status, visibility, since, satisfaction, joint,
             operated_by, successor) in chunk:
            in_use = status in IN_USE
            public = visibility == Visibility.PUBLIC
            listed = services.get(pk, [])
            yield {
                "pk": pk, "municipality": municipality, "software": software,
                "successor": successor, "services": listed,
                "props": {"status": status, "in_use": in_use, "public": public,
                          "since": _iso(since), "satisfaction": satisfaction, "joint": joint,
                          "services": listed, "operated_by": operated_by,
                          "link": in_use and public, "link_members": in_use},
            }


def _usage_services(usage_pks: list[int] | None) -> dict[int, list[int]]:
    through = Usage.services.through.objects
    pairs: Iterable[tuple[int, int]]
    if usage_pks is None:
        pairs = through.values_list("usage_id", "service_id").iterator(chunk_size=10000)
    else:
        pairs = [p for chunk in _chunks(usage_pks)
                 for p in through.filter(usage_id__in=chunk).values_list("usage_id", "service_id")]
    grouped: dict[int, list[int]] = defaultdict(list)
    for usage_id, service_id in pairs:
        grouped[usage_id].append(service_id)
    return {k: sorted(v) for k, v in grouped.items()}


def collaboration_rows(pks: Iterable[int] | None = None) -> Rows:
    qs = Collaboration.objects.prefetch_related("municipalities", "organizations", "software",
                                                "services").order_by("pk")
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    rows = []
    for c in qs:
        municipalities = {m.pk: False for m in c.municipalities.all()}
        organizations = {o.pk: False for o in c.organizations.all()}
        if c.lead_municipality_id:
            municipalities[c.lead_municipality_id] = True
        if c.lead_organization_id:
            organizations[c.lead_organization_id] = True
        rows.append({
            "pk": c.pk,
            "props": {"slug": c.slug, "title": c.title, "status": c.status, "topic": c.topic,
                      "public": c.visibility == Visibility.PUBLIC},
            "municipalities": [{"pk": k, "lead": v} for k, v in sorted(municipalities.items())],
            "organizations": [{"pk": k, "lead": v} for k, v in sorted(organizations.items())],
            "software": sorted(s.pk for s in c.software.all()),
            "services": sorted(s.pk for s in c.services.all()),
        })
    return rows


# --------------------------------------------------------------------------- writing


def write_batches(backend: GraphBackend | Pipeline, query: LiteralString, rows: Sequence[Any],
                  *, key: str = "rows", size: int = BATCH) -> None:
    for start in range(0, len(rows), size):
        backend.write(query, {key: list(rows[start:start + size])})


def read_meta(backend: GraphBackend, key: str) -> dict[str, Any] | None:
    rows = backend.read(cypher.MATCH_META, {"key": key})
    return dict(rows[0]["props"]) if rows else None


def write_meta(backend: GraphBackend, key: str, **props: Any) -> None:
    backend.write(cypher.MERGE_META, {"key": key, "props": props})


@dataclass
class Applied:
    """What one consumer batch changed; `usage_municipalities` need their similarity row
    recomputed."""

    upserted: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    usage_municipalities: set[int] = field(default_factory=set)


def apply_changes(backend: GraphBackend, touched: dict[str, set[int]]) -> Applied:
    """Bring the graph in line with the database for the given (entity → pks)."""
    done = Applied()

    def upsert(entity: str, rows: Rows, query: LiteralString) -> set[int]:
        write_batches(backend, query, rows)
        done.upserted[entity] = done.upserted.get(entity, 0) + len(rows)
        gone = touched.get(entity, set()) - {r["pk"] for r in rows}
        done.deleted[entity] = len(gone)
        return gone

    gone_categories = upsert("category", category_rows(touched.get("category", ())),
                             cypher.MERGE_CATEGORIES)
    gone_organizations = upsert("organization", organization_rows(touched.get("organization", ())),
                                cypher.MERGE_ORGANIZATIONS)
    municipalities = municipality_rows(touched.get("municipality", ()))
    write_batches(backend, cypher.MERGE_STATES, state_rows({r["state_pk"] for r in municipalities}))
    gone_municipalities = upsert("municipality", municipalities, cypher.MERGE_MUNICIPALITIES)
    gone_software = upsert("software", software_rows(touched.get("software", ())),
                           cypher.MERGE_SOFTWARE)
    gone_services = upsert("service", service_rows(touched.get("service", ())),
                           cypher.MERGE_SERVICES)
    gone_collaborations = upsert("collaboration",
                                 collaboration_rows(touched.get("collaboration", ())),
                                 cypher.MERGE_COLLABORATIONS)

    membership_pks = touched.get("membership", set())
    municipal, organizational = membership_rows(membership_pks)
    write_batches(backend, cypher.MERGE_MUNICIPALITY_MEMBERSHIPS, municipal)
    write_batches(backend, cypher.MERGE_ORGANIZATION_MEMBERSHIPS, organizational)
    gone_memberships = membership_pks - {r["pk"] for r in municipal + organizational}
    write_batches(backend, cypher.DELETE_MEMBERSHIPS, sorted(gone_memberships), key="pks")
    done.upserted["membership"] = len(municipal) + len(organizational)
    done.deleted["membership"] = len(gone_memberships)

    affected_software: set[int] = set()
    usage_pks = touched.get("usage", set())
    if usage_pks:
        for chunk in _chunks(sorted(usage_pks), BATCH):
            for r in backend.read(cypher.MATCH_USAGE_ENDPOINTS, {"pks": chunk}):
                done.usage_municipalities.add(r["municipality"])
                affected_software.add(r["software"])
        usages = usage_rows(usage_pks)
        gone_usages = sorted(usage_pks - {r["pk"] for r in usages})
        for r in usages:
            done.usage_municipalities.add(r["municipality"])
            affected_software.update({r["software"], r["successor"]} - {None})
        for query in (cypher.MERGE_USAGES, cypher.MERGE_USAGE_OFFERS,
                      cypher.MERGE_USAGE_REPLACEMENTS):
            write_batches(backend, query, usages)
        for query in (cypher.DELETE_USAGES, cypher.DELETE_USAGE_OFFERS,
                      cypher.DELETE_USAGE_REPLACEMENTS):
            write_batches(backend, query, gone_usages, key="pks")
        done.upserted["usage"], done.deleted["usage"] = len(usages), len(gone_usages)

    for query, gone in ((cypher.DELETE_COLLABORATIONS, gone_collaborations),
                        (cypher.DELETE_MUNICIPALITIES, gone_municipalities),
                        (cypher.DELETE_SOFTWARE, gone_software),
                        (cypher.CLEAR_DELETED_SERVICE, gone_services),
                        (cypher.DELETE_SERVICES, gone_services),
                        (cypher.CLEAR_DELETED_PROVIDER, gone_organizations),
                        (cypher.DELETE_ORGANIZATIONS, gone_organizations),
                        (cypher.DELETE_CATEGORIES, gone_categories)):
        write_batches(backend, query, sorted(gone), key="pks")

    # derived data: user counts of the products and provider links of the municipalities
    affected_software -= gone_software | touched.get("software", set())
    write_batches(backend, cypher.MERGE_SOFTWARE, software_rows(affected_software))
    done.usage_municipalities -= gone_municipalities
    write_batches(backend, cypher.REFRESH_OPERATED_BY, sorted(done.usage_municipalities),
                  key="pks")
    return done


class Pipeline:
    """Write statements sent from a second thread, in order: while the engine executes one
    batch, the caller reads the database or computes the next. The first error is raised
    to the caller (at the next write or at close); later statements are dropped."""

    def __init__(self, backend: GraphBackend, depth: int = 4) -> None:
        self.backend = backend
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="graph-writer", daemon=True)
        self._thread.start()

    def write(self, query: LiteralString, params: dict[str, Any] | None = None) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((query, params))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close()
        else:
            self._error = self._error or exc
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.backend.write(*item)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    self._error = exc


GROUP = 100  # municipalities per bulk statement (about 4,000 usages at Germany scale)


def load_all(sink: Pipeline | GraphBackend) -> dict[str, int]:
    """Write every row of the database into an empty graph (the body of a rebuild)."""
    counts: dict[str, int] = {}

    def put(name: str, query: LiteralString, rows: Rows) -> None:
        write_batches(sink, query, rows)
        counts[name] = counts.get(name, 0) + len(rows)

    put("state", cypher.MERGE_STATES, state_rows())
    put("category", cypher.MERGE_CATEGORIES, category_rows())
    put("organization", cypher.MERGE_ORGANIZATIONS, organization_rows())
    put("municipality", cypher.MERGE_MUNICIPALITIES, municipality_rows())
    products = software_rows()
    put("software", cypher.MERGE_SOFTWARE, products)
    position = {pk: i for i, pk in enumerate(sorted(r["pk"] for r in products))}
    put("service", cypher.MERGE_SERVICES, service_rows())
    put("collaboration", cypher.MERGE_COLLABORATIONS, collaboration_rows())
    municipal, organizational = membership_rows()
    put("membership", cypher.MERGE_MUNICIPALITY_MEMBERSHIPS, municipal)
    put("membership", cypher.MERGE_ORGANIZATION_MEMBERSHIPS, organizational)

    moves: dict[int, list[dict[str, Any]]] = defaultdict(list)
    operated: set[int] = set()
    uses: Rows = []
    offers: Rows = []
    usages = 0

    def flush() -> None:
        if uses:
            sink.write(cypher.CREATE_USAGES, {"rows": list(uses)})
        if offers:
            sink.write(cypher.CREATE_USAGE_OFFERS, {"rows": list(offers)})
        uses.clear()
        offers.clear()

    for municipality, group in itertools.groupby(iter_usage_rows(), key=itemgetter("municipality")):
        rows = list(group)
        usages += len(rows)
        uses.append({"municipality": municipality, "usages": [
            {"pk": u["pk"], "software": u["software"], "position": position.get(u["software"], -1),
             "props": u["props"]} for u in rows]})
        listed = [{"usage": u["pk"], "service": service,
                   "props": {"software": u["software"], "status": u["props"]["status"],
                             "in_use": u["props"]["in_use"], "public": u["props"]["public"]}}
                  for u in rows for service in u["services"]]
        if listed:
            offers.append({"municipality": municipality, "offers": listed})
        for u in rows:
            if u["successor"]:
                moves[u["software"]].append({"usage": u["pk"], "successor": u["successor"],
                                             "municipality": municipality,
                                             "public": u["props"]["public"]})
            if u["props"]["operated_by"]:
                operated.add(municipality)
        if len(uses) >= GROUP:
            flush()
    flush()
    counts["usage"] = usages
    write_batches(sink, cypher.CREATE_USAGE_REPLACEMENTS,
                  [{"software": k, "moves": v} for k, v in sorted(moves.items())], size=200)
    write_batches(sink, cypher.REFRESH_OPERATED_BY, sorted(operated), key="pks")
    return counts


# --------------------------------------------------------------------------- consumer


def newest_event_id() -> int:
    newest = OutboxEvent.objects.aggregate(n=Max("id"))["n"] or 0
    cursor = OutboxCursor.objects.filter(consumer=CONSUMER).values_list(
        "last_event_id", flat=True).first() or 0
    return max(newest, cursor)


def _cursor() -> int:
    return OutboxCursor.objects.filter(consumer=CONSUMER).values_list(
        "last_event_id", flat=True).first() or 0


def graph_is_behind(backend: GraphBackend) -> bool:
    """True when the graph cannot be brought up to date by the pending events alone: it is
    empty or new, it lost writes (restored from an older snapshot than our cursor), or it
    was built from another database (it has seen events this database never wrote)."""
    meta = read_meta(backend, "projection")
    if meta is None:
        return True
    last = int(meta.get("last_event", 0))
    return last < _cursor() or last > newest_event_id()


def catch_up(backend: GraphBackend, *, upto: int) -> bool:
    """Bring a graph that lost track up to event `upto` (the cursor); True when it had to.

    An engine killed without a snapshot since its last writes comes back from an older one:
    its marker names the last event it reflects. When every event after that marker is still
    in the outbox (hub.outbox.prune keeps them for days, so a marker older than the oldest
    kept event means some are gone), replaying them reconciles exactly the entities that
    changed, in seconds instead of a rebuild's minutes at Germany scale. An empty graph, one
    built from another database or one older than the kept events is rebuilt instead."""
    meta = read_meta(backend, "projection")
    last = int(meta.get("last_event", 0)) if meta else -1
    if 0 <= last <= upto and last <= newest_event_id() and (
            last == upto or OutboxEvent.objects.filter(id__lte=last).exists()):
        if last == upto:
            return False
        missed = OutboxEvent.objects.filter(id__gt=last, id__lte=upto)
        logger.warning("graph restored from an older snapshot (event %s, cursor %s): "
                       "replaying %s events", last, upto, missed.count())
        while batch := [outbox.Event(r.id, r.entity, r.entity_id, r.op, r.payload)
                        for r in missed.filter(id__gt=last).order_by("id")[:BATCH]]:
            if _apply(backend, batch):
                return True  # it held a rebuild event: rebuilt
            last = batch[-1].id
        return True
    logger.warning("graph empty, foreign or older than the kept outbox events: rebuilding")
    rebuild(backend=backend)
    return True


def ensure_current(*, backend: GraphBackend | None = None) -> bool:
    """Repair a graph that lost track of the database (an engine that came back empty, or
    from an old snapshot, after a crash): the worker calls this at start, after a failure
    streak and now and then while idle, so recovery does not wait for the next write.
    True when it replayed or rebuilt."""
    backend = backend or get_backend()
    if not graph_is_behind(backend):
        return False
    return catch_up(backend, upto=_cursor())


def consume(events: Sequence[outbox.Event]) -> None:
    """Outbox consumer: apply a batch of change events to the graph, idempotently.

    A `rebuild` event (bulk loads) rebuilds from the database; a graph that lost track is
    caught up first (catch_up); otherwise every named entity is reconciled with its current
    row, and municipalities whose usages changed get their similarity row recomputed."""
    if not events:
        return
    backend = get_backend()
    if any(e.op == outbox.REBUILD for e in events):
        rebuild(backend=backend)
        return
    if graph_is_behind(backend):
        catch_up(backend, upto=_cursor())
        meta = read_meta(backend, "projection") or {}
        if int(meta.get("last_event", 0)) >= events[-1].id:
            return  # it was rebuilt, which reflects this batch already
    _apply(backend, events)


def _apply(backend: GraphBackend, events: Sequence[outbox.Event]) -> bool:
    """Apply one batch; True when it held a rebuild event (and so rebuilt)."""
    from graph import similarity

    if any(e.op == outbox.REBUILD for e in events):
        rebuild(backend=backend)
        return True
    touched: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.entity in ENTITIES and event.entity_id is not None:
            touched[event.entity].add(event.entity_id)
    applied = apply_changes(backend, touched)
    if applied.usage_municipalities:
        similarity.note_changes(applied.usage_municipalities, backend=backend)
    meta = read_meta(backend, "projection") or {}
    write_meta(backend, "projection",
               last_event=max(events[-1].id, int(meta.get("last_event", 0))))
    return False


@dataclass
class RebuildReport:
    counts: dict[str, int]
    seconds: float
    similarity_seconds: float
    last_event: int


def rebuild(*, backend: GraphBackend | None = None, with_similarity: bool = True) -> RebuildReport:
    """Rebuild the whole projection from the database, similarity included, idempotently.

    On the embedded engine the new graph is built aside and swapped in atomically. The graph
    remembers the newest outbox event it reflects, and the consumer's cursor is set there:
    events written during the rebuild are applied afterwards (idempotently)."""
    from graph import similarity

    backend = backend or get_backend()
    started = time.perf_counter()
    last_event = newest_event_id()
    sim_seconds = 0.0
    with backend.rebuilding() as target:
        with Pipeline(target) as sink:
            counts = load_all(sink)
        if target.read(cypher.MATCH_USES_COUNT)[0]["n"] != counts["usage"]:
            # a product appeared while loading: its usages were skipped by the bulk path
            logger.warning("bulk load missed usages; merging them one by one")
            write_batches(target, cypher.MERGE_USAGES, usage_rows())
        if with_similarity:
            sim_started = time.perf_counter()
            similarity.run(backend=target)
            sim_seconds = time.perf_counter() - sim_started
        write_meta(target, "projection", last_event=last_event, rebuilt_at=_now())
    OutboxCursor.objects.update_or_create(consumer=CONSUMER,
                                          defaults={"last_event_id": last_event})
    seconds = time.perf_counter() - started
    logger.info("graph rebuilt in %.1f s: %s", seconds, counts)
    return RebuildReport(counts=counts, seconds=seconds, similarity_seconds=sim_seconds,
                         last_event=last_event)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def sync(*, limit: int = 5000) -> int:
    """Apply pending outbox events to the graph (one pass); the number applied."""
    return outbox.apply_pending(only=CONSUMER, limit=limit).get(CONSUMER, 0)
