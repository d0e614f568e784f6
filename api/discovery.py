"""Reuse discovery in GraphQL: `Municipality.similar`, `.recommendations`,
`.similarityComputedAt`, `Software.usedBy`, `.usedWith`, `.replacedBy`, `.replaces`,
`.plannedBy`, `Service.offeredBy` and the root `connections(fromAgs:, toAgs:)`.

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
from graphql import GraphQLError

from api import enums, hub_types, keys
from api.errors import InputError, from_validation_error
from api.fields import extend_type, plain
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


# --- fields on existing types ------------------------------------------------------------

class MunicipalityDiscovery:
    similar = graphene.List(
        graphene.NonNull(SimilarMunicipality), required=True,
        first=graphene.Int(default_value=10), same_state=graphene.Boolean(default_value=False),
        same_kind=graphene.Boolean(default_value=False), population_band=graphene.String(
            description="e.g. `20k-50k`; see `manage.py discover similar --help`."),
        description="Municipalities that run the same software, most similar first.")
    recommendations = graphene.List(
        graphene.NonNull(Recommendation), required=True, first=graphene.Int(default_value=10),
        description="Products similar municipalities use and this one does not.")
    similarity_computed_at = graphene.String(
        description="When the stored similarity scores were computed (ISO 8601).")

    @graph_read
    def resolve_similar(root: models.Municipality, info, first: int, same_state: bool,
                        same_kind: bool, population_band: str | None = None):
        return selectors.municipality_similar(
            user=_user(info), municipality=root, first=_given(first, 10),
            same_state=bool(same_state), same_kind=bool(same_kind),
            population_band=population_band)

    @graph_read
    def resolve_recommendations(root: models.Municipality, info, first: int):
        return selectors.municipality_recommendations(user=_user(info), municipality=root,
                                                      first=_given(first, 10))

    @graph_read
    def resolve_similarity_computed_at(root: models.Municipality, info):
        return selectors.municipality_similarity_computed_at(municipality=root)


class SoftwareDiscovery:
    used_by = graphene.List(
        graphene.NonNull(hub_types.Usage), required=True,
        status=graphene.List(graphene.NonNull(enums.UsageStatus)),
        state=graphene.String(description="Land code, e.g. `NW`."),
        kreis=graphene.String(description="AGS of a Kreis."),
        service=graphene.String(description="LeiKa key or OZG id."),
        first=graphene.Int(default_value=graph_discovery.MAX_FIRST),
        description="Who uses it (with status), production first, then by AGS.")
    used_with = graphene.List(
        graphene.NonNull(UsedWith), required=True, first=graphene.Int(default_value=10),
        description="Products most often used together with it (by lift).")
    replaced_by = graphene.List(graphene.NonNull(Migration), required=True,
                                description="Where municipalities moved from this product.")
    replaces = graphene.List(graphene.NonNull(Migration), required=True,
                             description="What municipalities ran before moving to it.")
    planned_by = graphene.List(
        graphene.NonNull(Plan), required=True,
        viewer=graphene.String(description="AGS to measure nearness from."),
        description="Municipalities planning or evaluating it; joint procurement first, "
                    "nearest first.")

    @graph_read
    def resolve_used_by(root: models.Software, info, first: int, status=None,
                        state: str | None = None, kreis: str | None = None,
                        service: str | None = None):
        return selectors.software_used_by(
            user=_user(info), software=root,
            statuses=[plain(s) for s in status] if status else None, state=state,
            kreis=_resolve("Municipality", kreis, "kreis"),
            service=_resolve("Service", service, "service"),
            first=_given(first, graph_discovery.MAX_FIRST))

    @graph_read
    def resolve_used_with(root: models.Software, info, first: int):
        return selectors.software_used_with(user=_user(info), software=root,
                                            first=_given(first, 10))

    @graph_read
    def resolve_replaced_by(root: models.Software, info):
        return selectors.software_replaced_by(user=_user(info), software=root)

    @graph_read
    def resolve_replaces(root: models.Software, info):
        return selectors.software_replaces(user=_user(info), software=root)

    @graph_read
    def resolve_planned_by(root: models.Software, info, viewer: str | None = None):
        return selectors.software_planned_by(user=_user(info), software=root,
                                             viewer=_resolve("Municipality", viewer, "viewer"))


class ServiceDiscovery:
    offered_by = graphene.List(graphene.NonNull(Offer), required=True,
                               description="Who offers the service online, with which software.")

    @graph_read
    def resolve_offered_by(root: models.Service, info):
        return selectors.service_offered_by(user=_user(info), service=root)


extend_type(hub_types.Municipality, MunicipalityDiscovery)
extend_type(hub_types.Software, SoftwareDiscovery)
extend_type(hub_types.Service, ServiceDiscovery)


class DiscoveryQuery(graphene.ObjectType):
    connections = graphene.List(
        graphene.NonNull(Path), required=True, from_ags=graphene.String(required=True),
        to_ags=graphene.String(required=True),
        max_hops=graphene.Int(default_value=graph_discovery.MAX_HOPS),
        first=graphene.Int(default_value=10),
        description="Who can introduce whom: shortest paths via shared IT provider, "
                    "association, collaboration or shared software.")

    @graph_read
    def resolve_connections(root, info, from_ags: str, to_ags: str, max_hops: int, first: int):
        return selectors.municipality_connections(
            user=_user(info), source=_resolve("Municipality", from_ags, "fromAgs"),
            target=_resolve("Municipality", to_ags, "toAgs"),
            max_hops=_given(max_hops, graph_discovery.MAX_HOPS), first=_given(first, 10))
