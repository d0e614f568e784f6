"""Reuse discovery in GraphQL: `Municipality.similar`, `.recommendations`,
`.similarityComputedAt`, `Software.usedBy`, `.usedWith`, `.replacedBy`, `.replaces`,
`.plannedBy`, `Service.offeredBy` and the root `connections(fromAgs:, toAgs:)`.

Every list is a Relay connection like the rest of the API (`totalCount`, `edges { node
cursor }`, `pageInfo`, `first`/`after`), so the depth, page-size and cost limits apply to
them too. The graph answers ranked, bounded lists (at most graph.discovery.MAX_FIRST = 200
entries) whose top n is a prefix of the top n + k, so a page after a cursor is the top
offset + first sliced, and `totalCount` counts the list up to that bound (`RankedList`).

Thin on purpose: every resolver calls one graph selector (graph/selectors.py), which reads
the graph, rehydrates from the database in the graph's order and applies visibility, so the
API shows exactly what the web UI and `manage.py discover` show. The names are the ones
issue 4 promises to other tools. A graph engine that cannot be reached becomes a top-level
GRAPH_UNAVAILABLE error on the field (the rest of the query still answers), never a 500.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from graphql import FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode
from graphql_relay import cursor_to_offset, offset_to_cursor

from api import enums, hub_types, keys
from api.errors import INVALID_PAGINATION, InputError, from_validation_error, limit_error
from api.fields import CountableConnection, check_pagination, extend_type, plain
from graph import discovery as graph_discovery
from graph import selectors
from graph.client import GraphUnavailable
from hub import models

GRAPH_UNAVAILABLE = "GRAPH_UNAVAILABLE"


def graph_read(resolver: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an unreachable graph engine into a clear error with a stable code."""

    @functools.wraps(resolver)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return resolver(*args, **kwargs)
        except GraphUnavailable as exc:
            raise GraphQLError(
                _("Die Graph-Datenbank ist gerade nicht erreichbar; bitte später erneut "
                  "versuchen."), extensions={"code": GRAPH_UNAVAILABLE}) from exc
        except ValidationError as exc:  # out-of-range arguments, checked by graph.discovery
            problems = from_validation_error(exc)
            raise GraphQLError("; ".join(p.message for p in problems),
                               extensions={"code": problems[0].code,
                                           "field": problems[0].field}) from exc

    return wrapper


def _user(info):
    return info.context.user


def _given(value, default):
    """An explicit `null` replaces an argument's default in GraphQL; treat it as omitted."""
    return default if value is None else value


def _resolve(type_name: str, value: str | None, field: str):
    """A natural key or global ID argument; unknown keys are a NOT_FOUND error."""
    if value is None:
        return None
    try:
        return keys.resolve(type_name, value, field)
    except InputError as exc:
        raise GraphQLError(exc.errors[0].message,
                           extensions={"code": exc.errors[0].code, "field": field}) from exc


# --- result types ------------------------------------------------------------------------

class SimilarMunicipality(graphene.ObjectType):
    """A municipality like this one, by shared software in pilot or production (rare
    products count more; see README "Discovery")."""

    municipality = graphene.Field(hub_types.Municipality, required=True)
    score = graphene.Float(required=True)
    shared_software = graphene.List(graphene.NonNull(hub_types.Software), required=True,
                                    description="The evidence: products both run.")


class Recommendation(graphene.ObjectType):
    """A product similar municipalities use and this one does not."""

    software = graphene.Field(hub_types.Software, required=True)
    score = graphene.Float(required=True)
    used_by = graphene.List(graphene.NonNull(hub_types.Municipality), required=True,
                            description="The similar municipalities that use it.")
    average_satisfaction = graphene.Float(description="Mean satisfaction (1–5) of those usages.")


class UsedWith(graphene.ObjectType):
    """A product often used together with this one."""

    software = graphene.Field(hub_types.Software, required=True)
    lift = graphene.Float(required=True, description="How much more often than chance.")
    together = graphene.Int(required=True, description="Municipalities using both.")
    users = graphene.Int(required=True, description="Municipalities using the other product.")


class Offer(graphene.ObjectType):
    """A municipality offering the service online, with the software it uses for it."""

    municipality = graphene.Field(hub_types.Municipality, required=True)
    software = graphene.Field(hub_types.Software, required=True)
    usages = graphene.List(graphene.NonNull(hub_types.Usage), required=True)


class Migration(graphene.ObjectType):
    """One migration path between two products, from retired usages and their successors."""

    software = graphene.Field(hub_types.Software, required=True)
    count = graphene.Int(required=True, description="Municipalities that moved.")
    municipalities = graphene.List(graphene.NonNull(hub_types.Municipality), required=True)


class Plan(graphene.ObjectType):
    """A municipality planning or evaluating the product."""

    usage = graphene.Field(hub_types.Usage, required=True)
    municipality = graphene.Field(hub_types.Municipality, required=True)
    joint_procurement = graphene.Boolean(required=True,
                                         description="Open to procuring it together.")
    nearness = graphene.Int(required=True,
                            description="0 same Kreis, 1 same Land, 2 elsewhere (as seen from "
                                        "`viewer`).")

    def resolve_municipality(root: selectors.Plan, info):
        return root.usage.municipality


class ConnectionNode(graphene.Union):
    """A node on a path between two municipalities."""

    class Meta:
        types = (hub_types.Municipality, hub_types.Organization, hub_types.Software,
                 hub_types.Collaboration)

    @classmethod
    def resolve_type(cls, instance, info):
        return {models.Municipality: hub_types.Municipality,
                models.Organization: hub_types.Organization,
                models.Software: hub_types.Software,
                models.Collaboration: hub_types.Collaboration}[type(instance)]


class Path(graphene.ObjectType):
    """A shortest path: nodes in order and the relationship types between them."""

    nodes = graphene.List(graphene.NonNull(ConnectionNode), required=True)
    relationships = graphene.List(graphene.NonNull(graphene.String), required=True,
                                  description="UPPER_SNAKE types, one fewer than nodes.")
    length = graphene.Int(required=True)

    def resolve_length(root: selectors.Connection, info) -> int:
        return len(root.relationships)



# --- connections over ranked lists -------------------------------------------------------

class RankedList:
    """A discovery answer, read from the graph only as far as needed.

    `fetch(n)` returns the top n (a bounded selector) or, with `bound=None`, the whole answer
    (selectors without `first`). Rankings are deterministic with ties broken by key, so
    the top n is a prefix of any longer top list: one read of the longest prefix asked for
    serves the edges, the page info and the count. A read that returns fewer entries than
    asked for is the whole answer (rows the person may not see are dropped before, in the
    selectors, and the graph lagging behind the database by a moment could end a list early).
    """

    def __init__(self, fetch: Callable[[int], list], bound: int | None) -> None:
        self._fetch, self.bound = graph_read(fetch), bound
        self._items: list = []
        self._asked = 0
        self._complete = False

    def top(self, n: int) -> list:
        if self.bound is not None:
            n = min(n, self.bound)
        if n > self._asked and not self._complete:
            self._items = self._fetch(n)
            self._asked = n
            self._complete = (self.bound is None or len(self._items) < n
                              or n == self.bound)
        return self._items[:n]

    def count(self) -> int:
        return len(self.top(self.bound if self.bound is not None else 1 << 30))


class DiscoveryConnection(CountableConnection):
    """A page of a ranked discovery list: edges, page info and count read lazily from one
    `RankedList` (the resolver prefetches what the query selects, in one graph read)."""

    class Meta:
        abstract = True

    total_count = graphene.Int(required=True, description=(
        "Number of entries in the whole list; ranked lists (similar, recommendations, "
        "usedBy, usedWith, connections) end after 200."))

    ranked: RankedList
    offset: int
    first: int

    def resolve_total_count(root, info) -> int:
        return root.ranked.count()

    def resolve_edges(root, info) -> list:
        items = root.ranked.top(root.offset + root.first)[root.offset:]
        return [type(root).Edge(node=item, cursor=offset_to_cursor(root.offset + i))
                for i, item in enumerate(items)]

    def resolve_page_info(root, info) -> graphene.relay.PageInfo:
        end = root.offset + root.first
        items = root.ranked.top(end + 1)
        page = items[root.offset:end]
        return graphene.relay.PageInfo(
            has_next_page=len(items) > end, has_previous_page=root.offset > 0,
            start_cursor=offset_to_cursor(root.offset) if page else None,
            end_cursor=offset_to_cursor(root.offset + len(page) - 1) if page else None)


def _connection(node: type[graphene.ObjectType], name: str) -> type[DiscoveryConnection]:
    return type(name, (DiscoveryConnection,), {"Meta": type("Meta", (), {"node": node})})


SimilarMunicipalityConnection = _connection(SimilarMunicipality, "SimilarMunicipalityConnection")
RecommendationConnection = _connection(Recommendation, "RecommendationConnection")
UsedByConnection = _connection(hub_types.Usage, "UsedByConnection")
UsedWithConnection = _connection(UsedWith, "UsedWithConnection")
OfferConnection = _connection(Offer, "OfferConnection")
MigrationConnection = _connection(Migration, "MigrationConnection")
PlanConnection = _connection(Plan, "PlanConnection")
PathConnection = _connection(Path, "PathConnection")

# Page sizes without `first`: the ranked top lists keep their short default; the others
# (formerly answered whole) give the largest page the limits allow.
TOP_PAGE = 10
FULL_PAGE = 100


def discovery_field(connection: type[DiscoveryConnection], *, first: int, description: str,
                    **arguments) -> graphene.Field:
    """A connection field with `first`/`after`. Nullable on purpose: an unreachable graph
    engine nulls this field only (GRAPH_UNAVAILABLE) and the rest of the query answers."""
    return graphene.Field(
        connection, first=graphene.Int(default_value=first, description=(
            "Page size (at most 100).")),
        after=graphene.String(description="Cursor of the edge after which the page starts."),
        description=description, **arguments)


def _after(after: str | None) -> int:
    if after is None:
        return 0
    offset = cursor_to_offset(after)
    if offset is None or offset < 0:
        raise limit_error(INVALID_PAGINATION, _("„after“ ist kein gültiger Cursor."))
    return offset + 1


def _selected(info) -> set[str]:
    """Names selected on the connection field (through fragments too)."""
    names: set[str] = set()
    pending = [node.selection_set for node in info.field_nodes if node.selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = info.fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return names


def ranked_page(connection: type[DiscoveryConnection], info, fetch: Callable[[int], list], *,
                first: int | None, after: str | None, default: int,
                bound: int | None = graph_discovery.MAX_FIRST) -> DiscoveryConnection:
    """One page of `fetch`'s ranked list, prefetched in one graph read sized for what the
    query selects: the page, one more for `hasNextPage`, or all of it for `totalCount`."""
    first = _given(first, default)
    check_pagination({"first": first})
    page = connection()
    page.ranked, page.offset, page.first = RankedList(fetch, bound), _after(after), first
    wanted = _selected(info)
    if "totalCount" in wanted:
        page.ranked.count()
    elif "pageInfo" in wanted:
        page.ranked.top(page.offset + first + 1)
    elif "edges" in wanted:
        page.ranked.top(page.offset + first)
    return page


# --- fields on existing types ------------------------------------------------------------

class MunicipalityDiscovery:
    similar = discovery_field(
        SimilarMunicipalityConnection, first=TOP_PAGE,
        same_state=graphene.Boolean(default_value=False),
        same_kind=graphene.Boolean(default_value=False), population_band=graphene.String(
            description="e.g. `20k-50k`; see `manage.py discover similar --help`."),
        description="Municipalities that run the same software, most similar first.")
    recommendations = discovery_field(
        RecommendationConnection, first=TOP_PAGE,
        description="Products similar municipalities use and this one does not.")
    similarity_computed_at = graphene.String(
        description="When the stored similarity scores were computed (ISO 8601).")

    def resolve_similar(root: models.Municipality, info, first: int, same_state: bool,
                        same_kind: bool, population_band: str | None = None,
                        after: str | None = None):
        return ranked_page(
            SimilarMunicipalityConnection, info, lambda n: selectors.municipality_similar(
                user=_user(info), municipality=root, first=n, same_state=bool(same_state),
                same_kind=bool(same_kind), population_band=population_band),
            first=first, after=after, default=TOP_PAGE)

    def resolve_recommendations(root: models.Municipality, info, first: int,
                                after: str | None = None):
        return ranked_page(
            RecommendationConnection, info, lambda n: selectors.municipality_recommendations(
                user=_user(info), municipality=root, first=n),
            first=first, after=after, default=TOP_PAGE)

    @graph_read
    def resolve_similarity_computed_at(root: models.Municipality, info):
        return selectors.municipality_similarity_computed_at(municipality=root)


class SoftwareDiscovery:
    used_by = discovery_field(
        UsedByConnection, first=FULL_PAGE,
        status=graphene.List(graphene.NonNull(enums.UsageStatus)),
        state=graphene.String(description="Land code, e.g. `NW`."),
        kreis=graphene.String(description="AGS of a Kreis."),
        service=graphene.String(description="LeiKa key or OZG id."),
        description="Who uses it (with status), production first, then by AGS (the first "
                    "200).")
    used_with = discovery_field(
        UsedWithConnection, first=TOP_PAGE,
        description="Products most often used together with it (by lift).")
    replaced_by = discovery_field(MigrationConnection, first=FULL_PAGE,
                                  description="Where municipalities moved from this product.")
    replaces = discovery_field(MigrationConnection, first=FULL_PAGE,
                               description="What municipalities ran before moving to it.")
    planned_by = discovery_field(
        PlanConnection, first=FULL_PAGE,
        viewer=graphene.String(description="AGS to measure nearness from."),
        description="Municipalities planning or evaluating it; joint procurement first, "
                    "nearest first.")

    def resolve_used_by(root: models.Software, info, first: int, status=None,
                        state: str | None = None, kreis: str | None = None,
                        service: str | None = None, after: str | None = None):
        kreis_place = _resolve("Municipality", kreis, "kreis")
        offered = _resolve("Service", service, "service")
        return ranked_page(
            UsedByConnection, info, lambda n: selectors.software_used_by(
                user=_user(info), software=root,
                statuses=[plain(s) for s in status] if status else None, state=state,
                kreis=kreis_place, service=offered, first=n),
            first=first, after=after, default=FULL_PAGE)

    def resolve_used_with(root: models.Software, info, first: int, after: str | None = None):
        return ranked_page(
            UsedWithConnection, info, lambda n: selectors.software_used_with(
                user=_user(info), software=root, first=n),
            first=first, after=after, default=TOP_PAGE)

    def resolve_replaced_by(root: models.Software, info, first: int, after: str | None = None):
        return ranked_page(
            MigrationConnection, info, lambda n: selectors.software_replaced_by(
                user=_user(info), software=root),
            first=first, after=after, default=FULL_PAGE, bound=None)

    def resolve_replaces(root: models.Software, info, first: int, after: str | None = None):
        return ranked_page(
            MigrationConnection, info, lambda n: selectors.software_replaces(
                user=_user(info), software=root),
            first=first, after=after, default=FULL_PAGE, bound=None)

    def resolve_planned_by(root: models.Software, info, first: int, viewer: str | None = None,
                           after: str | None = None):
        place = _resolve("Municipality", viewer, "viewer")
        return ranked_page(
            PlanConnection, info, lambda n: selectors.software_planned_by(
                user=_user(info), software=root, viewer=place),
            first=first, after=after, default=FULL_PAGE, bound=None)


class ServiceDiscovery:
    offered_by = discovery_field(OfferConnection, first=FULL_PAGE,
                                 description="Who offers the service online, with which software.")

    def resolve_offered_by(root: models.Service, info, first: int, after: str | None = None):
        return ranked_page(
            OfferConnection, info, lambda n: selectors.service_offered_by(
                user=_user(info), service=root),
            first=first, after=after, default=FULL_PAGE, bound=None)


extend_type(hub_types.Municipality, MunicipalityDiscovery)
extend_type(hub_types.Software, SoftwareDiscovery)
extend_type(hub_types.Service, ServiceDiscovery)


class DiscoveryQuery(graphene.ObjectType):
    connections = discovery_field(
        PathConnection, first=TOP_PAGE, from_ags=graphene.String(required=True),
        to_ags=graphene.String(required=True),
        max_hops=graphene.Int(default_value=graph_discovery.MAX_HOPS),
        description="Who can introduce whom: shortest paths via shared IT provider, "
                    "association, collaboration or shared software.")

    def resolve_connections(root, info, from_ags: str, to_ags: str, max_hops: int, first: int,
                            after: str | None = None):
        source = _resolve("Municipality", from_ags, "fromAgs")
        target = _resolve("Municipality", to_ags, "toAgs")
        hops = _given(max_hops, graph_discovery.MAX_HOPS)
        return ranked_page(
            PathConnection, info, lambda n: selectors.municipality_connections(
                user=_user(info), source=source, target=target, max_hops=hops, first=n),
            first=first, after=after, default=TOP_PAGE)
