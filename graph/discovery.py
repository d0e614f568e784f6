"""Reuse discovery: graph reads that return ranked database pks with scores and evidence.

Each function sends named Cypher from graph/cypher.py with parameters only and returns plain
dataclasses of pks; graph/selectors.py turns them into model objects for a given user. The
`members` flag says whether the reader may see members-only usages (else public ones only);
it is decided by the selectors, never by callers of the API.

Scores cross the wire as integer micro-units (see graph/similarity.py) and are turned into
floats here; rankings are decided on the integers, ties by AGS or slug, so every engine and
the test oracle order the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from graph import bands, cypher
from graph.client import GraphBackend, get_backend
from graph.similarity import TOP, UNIT
from hub import errors

MAX_FIRST = 200
MAX_HOPS = 3
PATH_CAP = 1000  # shortest paths enumerated at most (two hops apart there can be 10⁵)


@dataclass(frozen=True)
class SimilarHit:
    municipality: int
    score: float
    units: int
    shared_software: list[int]


@dataclass(frozen=True)
class RecommendationHit:
    software: int
    score: float
    units: int
    used_by: list[int]  # neighbours running it, most similar first
    average_satisfaction: float | None


@dataclass(frozen=True)
class UsedByHit:
    municipality: int
    usage: int
    status: str


@dataclass(frozen=True)
class UsedWithHit:
    software: int
    lift: float
    together: int
    users: int


@dataclass(frozen=True)
class OfferHit:
    municipality: int
    software: int
    usages: list[int]


@dataclass(frozen=True)
class MigrationHit:
    software: int
    count: int
    municipalities: list[int]


@dataclass(frozen=True)
class PlanHit:
    municipality: int
    usage: int
    joint_procurement: bool
    nearness: int  # 2 same Kreis, 1 same Land, 0 elsewhere (relative to the viewer)


@dataclass(frozen=True)
class PathHit:
    nodes: list[tuple[str, int]]  # (label, pk)
    relationships: list[str]


def _first(first: int) -> int:
    if not 1 <= first <= MAX_FIRST:
        raise ValidationError({"first": ValidationError(
            _("„first“ muss zwischen 1 und %(max)s liegen.") % {"max": MAX_FIRST},
            code=errors.OUT_OF_RANGE)})
    return first


def _state(backend: GraphBackend, municipality: int) -> dict[str, Any] | None:
    rows = backend.read(cypher.MATCH_MUNICIPALITY_STATE, {"pk": municipality})
    return rows[0] if rows else None


def similarity_computed_at(municipality: int, *, backend: GraphBackend | None = None) -> str | None:
    """When this municipality's stored neighbour list was computed (ISO timestamp)."""
    state = _state(backend or get_backend(), municipality)
    return state["similar_at"] if state else None


def similar(municipality: int, *, first: int = 10, same_state: bool = False,
            same_kind: bool = False, population_band: str | None = None,
            backend: GraphBackend | None = None) -> list[SimilarHit]:
    """Municipalities ranked by Adamic–Adar over shared public products in pilot or
    production; ties by AGS. `population_band` is a band code (graph/bands.py) or "same".

    Served from the stored top 50 when that provably contains the answer: at least `first`
    hits pass the filters, or the stored list holds every candidate. Otherwise (a narrow
    filter, first > 50, no stored list yet) the same ranking is computed in Cypher."""
    backend = backend or get_backend()
    params = _similar_params(municipality, first, same_state, same_kind, population_band)
    rows = backend.read(cypher.MATCH_SIMILAR, params) if first <= TOP else []
    if rows:
        hits = [_similar_hit(r) for r in rows if r["pk"] is not None]
        if rows[0]["similar_at"] is not None and (len(hits) >= first or not rows[0]["truncated"]):
            return hits
    return [_similar_hit(r) for r in backend.read(cypher.MATCH_SIMILAR_ON_THE_FLY, params)]


def similar_on_the_fly(municipality: int, *, first: int = 10,
                       backend: GraphBackend | None = None) -> list[SimilarHit]:
    """`similar` computed in Cypher without the stored relationships (benchmark, checks)."""
    params = _similar_params(municipality, first, False, False, None)
    rows = (backend or get_backend()).read(cypher.MATCH_SIMILAR_ON_THE_FLY, params)
    return [_similar_hit(r) for r in rows]


def _similar_params(municipality: int, first: int, same_state: bool, same_kind: bool,
                    population_band: str | None) -> dict[str, Any]:
    if population_band not in (None, "same", *bands.CODES):
        raise ValidationError({"population_band": ValidationError(
            _("Unbekannte Größenklasse „%(band)s“.") % {"band": population_band},
            code=errors.INVALID)})
    return {"pk": municipality, "first": _first(first), "same_state": same_state,
            "same_kind": same_kind, "band": population_band}


def _similar_hit(row: dict[str, Any]) -> SimilarHit:
    return SimilarHit(row["pk"], row["units"] / UNIT, int(row["units"]), sorted(row["shared"]))


def recommendations(municipality: int, *, first: int = 10, members: bool = False,
                    backend: GraphBackend | None = None) -> list[RecommendationHit]:
    """Products the most similar municipalities (the stored top 50) run in pilot or
    production and this one has no visible usage of, scored by the summed similarity of
    those neighbours; ties by number of neighbours, then slug."""
    backend = backend or get_backend()
    params: dict[str, Any] = {"pk": municipality, "first": _first(first), "members": members}
    state = _state(backend, municipality)
    if state is None:
        return []
    if state["similar_at"] is not None:
        rows = backend.read(cypher.MATCH_RECOMMENDATIONS, params)
    else:
        neighbours = similar(municipality, first=TOP, backend=backend)
        params["neighbours"] = [[n.municipality, n.units] for n in neighbours]
        rows = backend.read(cypher.MATCH_RECOMMENDATIONS_FOR_NEIGHBOURS, params)
    hits = []
    for r in rows:
        used_by = [pk for pk, _units, _ags in sorted(r["used_by"], key=lambda x: (-x[1], x[2]))]
        average = (r["satisfaction_sum"] / r["satisfaction_count"]
                   if r["satisfaction_count"] else None)
        hits.append(RecommendationHit(r["pk"], r["score"] / UNIT, int(r["score"]), used_by,
                                      average))
    return hits


def service_family(service: int, *, backend: GraphBackend | None = None) -> list[int]:
    """The service and its LeiKa services."""
    rows = (backend or get_backend()).read(cypher.MATCH_SERVICE_FAMILY, {"pk": service})
    return sorted({rows[0]["pk"], *rows[0]["parts"]}) if rows else []


def used_by(software: int, *, statuses: list[str] | None = None, state: str | None = None,
            kreis: int | None = None, service: int | None = None, first: int = MAX_FIRST,
            members: bool = False, backend: GraphBackend | None = None) -> list[UsedByHit]:
    """Who uses a product (default: pilot or production), production first, then AGS.
    `state` is a Land code, `kreis` a Kreis pk (its municipalities and the Kreis itself),
    `service` a service pk (it or one of its LeiKa services named by the usage)."""
    backend = backend or get_backend()
    services = service_family(service, backend=backend) if service is not None else None
    if service is not None and not services:
        return []
    rows = backend.read(cypher.MATCH_USED_BY, {
        "pk": software, "statuses": statuses or ["pilot", "production"], "state": state,
        "kreis": kreis, "services": services, "members": members, "first": _first(first)})
    return [UsedByHit(r["municipality"], r["usage"], r["status"]) for r in rows]


def used_with(software: int, *, first: int = 10, min_together: int = 2, members: bool = False,
              backend: GraphBackend | None = None) -> list[UsedWithHit]:
    """Products run together with this one, ranked by lift

        lift(s, t) = together(s, t) · N / (users(s) · users(t))

    (N municipalities; users = municipalities running the product in pilot or production):
    how much more often t appears next to s than by chance. Lift alone favours rare products
    that co-occur once by accident, so a pair needs `min_together` municipalities (default 2).
    Ties: more municipalities together first, then slug."""
    backend = backend or get_backend()
    rows = backend.read(cypher.MATCH_USED_WITH, {"pk": software, "first": _first(first),
                                                 "min_together": min_together,
                                                 "members": members})
    if not rows:
        return []
    n = backend.read(cypher.MATCH_MUNICIPALITY_COUNT)[0]["n"]
    return [UsedWithHit(r["pk"], r["together"] * n / (r["users_s"] * r["users_t"]),
                        r["together"], r["users_t"]) for r in rows]


def offered_by(service: int, *, members: bool = False,
               backend: GraphBackend | None = None) -> list[OfferHit]:
    """Who offers a service online (pilot or production usages naming it or one of its
    LeiKa services), with which product; by AGS."""
    backend = backend or get_backend()
    services = service_family(service, backend=backend)
    if not services:
        return []
    rows = backend.read(cypher.MATCH_OFFERED_BY, {"services": services, "members": members})
    return [OfferHit(r["municipality"], r["software"], sorted(r["usages"])) for r in rows]


def replaced_by(software: int, *, members: bool = False,
                backend: GraphBackend | None = None) -> list[MigrationHit]:
    """Where municipalities moved from this product: successors of its retired usages."""
    rows = (backend or get_backend()).read(cypher.MATCH_REPLACED_BY,
                                           {"pk": software, "members": members})
    return [MigrationHit(r["pk"], r["moves"], sorted(r["municipalities"])) for r in rows]


def replaces(software: int, *, members: bool = False,
             backend: GraphBackend | None = None) -> list[MigrationHit]:
    """Where the municipalities that moved to this product came from."""
    rows = (backend or get_backend()).read(cypher.MATCH_REPLACES,
                                           {"pk": software, "members": members})
    return [MigrationHit(r["pk"], r["moves"], sorted(r["municipalities"])) for r in rows]


def planned_by(software: int, *, viewer: int | None = None, members: bool = False,
               backend: GraphBackend | None = None) -> list[PlanHit]:
    """Municipalities planning or evaluating a product: open to joint procurement first,
    then nearest to the viewer (same Kreis, then same Land), then AGS."""
    backend = backend or get_backend()
    state = _state(backend, viewer) if viewer is not None else None
    rows = backend.read(cypher.MATCH_PLANNED_BY, {
        "pk": software, "viewer": viewer, "members": members,
        "kreis": state["kreis"] if state else None, "state": state["state"] if state else None})
    return [PlanHit(r["municipality"], r["usage"], bool(r["joint"]), r["nearness"]) for r in rows]


def connections(source: int, target: int, *, max_hops: int = MAX_HOPS, first: int = 10,
                members: bool = False, backend: GraphBackend | None = None) -> list[PathHit]:
    """Shortest paths between two municipalities over introduction channels: shared IT
    provider (membership or operation of usages), association or other organisation,
    collaboration, product in use. A hop is one shared intermediary, i.e. two relationships
    (A –USES→ product ←USES– B is one hop), so max_hops = 3 allows A…C…D…B.

    Paths are ordered by their relationship types (organisational channels sort before
    shared products: MEMBER_OF < OPERATED_BY < PARTICIPATES_IN < USES), then by their
    nodes, and cut at `first`. One-hop paths come from a cheap two-step expansion; longer
    ones from allShortestPaths, of which at most PATH_CAP are enumerated: beyond that many,
    which ones are ranked is the engine's choice."""
    if not 1 <= max_hops <= MAX_HOPS:
        raise ValidationError({"max_hops": ValidationError(
            _("„maxHops“ muss zwischen 1 und %(max)s liegen.") % {"max": MAX_HOPS},
            code=errors.OUT_OF_RANGE)})
    _first(first)
    if source == target:
        return []
    backend = backend or get_backend()
    params = {"source": source, "target": target, "cap": PATH_CAP}
    direct = cypher.MATCH_CONNECTIONS_DIRECT_MEMBERS if members else cypher.MATCH_CONNECTIONS_DIRECT
    rows = backend.read(direct, params)
    if not rows and max_hops > 1:
        query = cypher.MATCH_CONNECTIONS_MEMBERS if members else cypher.MATCH_CONNECTIONS
        rows = backend.read(query, params)
    paths = {(tuple(r["types"]), tuple((label, pk) for label, pk in r["nodes"])) for r in rows}
    ordered = sorted(p for p in paths if len(p[0]) <= 2 * max_hops)
    return [PathHit(list(nodes), list(types)) for types, nodes in ordered[:first]]
