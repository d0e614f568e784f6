"""Discovery for a person: graph reads rehydrated into model objects, in the graph's order,
filtered by what the person may see. The API, the web UI and `manage.py discover` call these.

Visibility, decided here and nowhere else:
- `members` (permissions.is_member) is passed to every graph read, which then counts and
  returns members-only usages (and collaborations) only for members. This has to happen in
  the graph query, not only at rehydration, because scores, counts and averages aggregate
  over usages and an aggregate cannot be filtered afterwards.
- The stored similarity is built from public usages only (graph/similarity.py), so its
  scores and `shared` evidence are the same, and safe, for everyone.
- Usages are rehydrated through hub.selectors.usage_list(user=…), the hub's one visibility
  rule, so a row the graph returned but the person may not see is dropped, never shown.
- Ids the database no longer has (the graph lags a moment behind) are dropped too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Model

from graph import discovery
from hub import permissions
from hub.models import (
    Collaboration,
    Municipality,
    Organization,
    Service,
    Software,
    Usage,
    Visibility,
)
from hub.permissions import User
from hub.selectors import usage_list

M = TypeVar("M", bound=Model)


def _by_pk(model: type[M], pks: Iterable[int], *related: str) -> dict[int, M]:
    qs = model.objects.all()
    if related:
        qs = qs.select_related(*related)
    return qs.in_bulk(list(set(pks)))


def _usages(user: User, pks: Iterable[int]) -> dict[int, Usage]:
    return {u.pk: u for u in usage_list(user=user).filter(pk__in=list(set(pks)))}


@dataclass(frozen=True)
class SimilarMunicipality:
    municipality: Municipality
    score: float
    shared_software: list[Software]


def municipality_similar(*, user: User, municipality: Municipality, first: int = 10,
                         same_state: bool = False, same_kind: bool = False,
                         population_band: str | None = None) -> list[SimilarMunicipality]:
    hits = discovery.similar(municipality.pk, first=first, same_state=same_state,
                             same_kind=same_kind, population_band=population_band)
    places = _by_pk(Municipality, [h.municipality for h in hits], "state", "parent")
    products = _by_pk(Software, [s for h in hits for s in h.shared_software])
    return [SimilarMunicipality(places[h.municipality], h.score,
                                [products[s] for s in h.shared_software if s in products])
            for h in hits if h.municipality in places]


def municipality_similarity_computed_at(*, municipality: Municipality) -> str | None:
    """When the stored neighbour list was computed (the UI shows it next to the scores)."""
    return discovery.similarity_computed_at(municipality.pk)


@dataclass(frozen=True)
class Recommendation:
    software: Software
    score: float
    used_by: list[Municipality]
    average_satisfaction: float | None


def municipality_recommendations(*, user: User, municipality: Municipality,
                                 first: int = 10) -> list[Recommendation]:
    hits = discovery.recommendations(municipality.pk, first=first,
                                     members=permissions.is_member(user))
    products = _by_pk(Software, [h.software for h in hits], "category", "vendor")
    places = _by_pk(Municipality, [m for h in hits for m in h.used_by])
    return [Recommendation(products[h.software], h.score,
                           [places[m] for m in h.used_by if m in places], h.average_satisfaction)
            for h in hits if h.software in products]


def software_used_by(*, user: User, software: Software, statuses: list[str] | None = None,
                     state: str | None = None, kreis: Municipality | None = None,
                     service: Service | None = None,
                     first: int = discovery.MAX_FIRST) -> list[Usage]:
    """The usages (with their municipality) of a product, production first, then AGS."""
    hits = discovery.used_by(software.pk, statuses=statuses, state=state,
                             kreis=kreis.pk if kreis else None,
                             service=service.pk if service else None, first=first,
                             members=permissions.is_member(user))
    usages = _usages(user, [h.usage for h in hits])
    return [usages[h.usage] for h in hits if h.usage in usages]


@dataclass(frozen=True)
class UsedWith:
    software: Software
    lift: float
    together: int
    users: int


def software_used_with(*, user: User, software: Software, first: int = 10) -> list[UsedWith]:
    hits = discovery.used_with(software.pk, first=first, members=permissions.is_member(user))
    products = _by_pk(Software, [h.software for h in hits], "category", "vendor")
    return [UsedWith(products[h.software], h.lift, h.together, h.users)
            for h in hits if h.software in products]


@dataclass(frozen=True)
class Offer:
    municipality: Municipality
    software: Software
    usages: list[Usage]


def service_offered_by(*, user: User, service: Service) -> list[Offer]:
    hits = discovery.offered_by(service.pk, members=permissions.is_member(user))
    usages = _usages(user, [u for h in hits for u in h.usages])
    offers = []
    for h in hits:
        mine = [usages[u] for u in h.usages if u in usages]
        if mine:
            offers.append(Offer(mine[0].municipality, mine[0].software, mine))
    return offers


@dataclass(frozen=True)
class Migration:
    software: Software
    count: int
    municipalities: list[Municipality]


def _migrations(hits: list[discovery.MigrationHit]) -> list[Migration]:
    products = _by_pk(Software, [h.software for h in hits], "category")
    places = _by_pk(Municipality, [m for h in hits for m in h.municipalities])
    return [Migration(products[h.software], h.count,
                      sorted((places[m] for m in h.municipalities if m in places),
                             key=lambda m: m.ags))
            for h in hits if h.software in products]


def software_replaced_by(*, user: User, software: Software) -> list[Migration]:
    """Where municipalities moved from this product (most frequent first)."""
    return _migrations(discovery.replaced_by(software.pk, members=permissions.is_member(user)))


def software_replaces(*, user: User, software: Software) -> list[Migration]:
    """What the municipalities that moved to this product ran before."""
    return _migrations(discovery.replaces(software.pk, members=permissions.is_member(user)))


@dataclass(frozen=True)
class Plan:
    usage: Usage
    joint_procurement: bool
    nearness: int


def software_planned_by(*, user: User, software: Software,
                        viewer: Municipality | None = None) -> list[Plan]:
    hits = discovery.planned_by(software.pk, viewer=viewer.pk if viewer else None,
                                members=permissions.is_member(user))
    usages = _usages(user, [h.usage for h in hits])
    return [Plan(usages[h.usage], h.joint_procurement, h.nearness)
            for h in hits if h.usage in usages]


@dataclass(frozen=True)
class Connection:
    nodes: list[Model]  # Municipality, Organization, Software or Collaboration
    relationships: list[str]


_NODE_MODELS: dict[str, type[Model]] = {
    "Municipality": Municipality, "Organization": Organization, "Software": Software,
    "Collaboration": Collaboration,
}


def municipality_connections(*, user: User, source: Municipality, target: Municipality,
                             max_hops: int = discovery.MAX_HOPS,
                             first: int = 10) -> list[Connection]:
    """Who can introduce whom: shortest paths with their nodes and relationship types."""
    members = permissions.is_member(user)
    hits = discovery.connections(source.pk, target.pk, max_hops=max_hops, first=first,
                                 members=members)
    wanted: dict[str, set[int]] = {}
    for h in hits:
        for label, pk in h.nodes:
            wanted.setdefault(label, set()).add(pk)
    objects = {label: _by_pk(_NODE_MODELS[label], pks) for label, pks in wanted.items()
               if label in _NODE_MODELS}
    result = []
    for h in hits:
        nodes = [objects.get(label, {}).get(pk) for label, pk in h.nodes]
        hidden = any(isinstance(n, Collaboration) and n.visibility != Visibility.PUBLIC
                     and not members for n in nodes)
        if None not in nodes and not hidden:
            result.append(Connection(nodes, h.relationships))
    return result
