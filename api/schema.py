"""The GraphQL schema at /graphql, assembled from per-domain modules.

Extension point (how other domains add to the API):

1. Root fields: write a `graphene.ObjectType` mixin with your root query fields (e.g.
   `KnowledgeQuery` with `articles`, `article(slug:)`, `search(...)`) and one with your
   mutations, and append them to `QUERIES` / `MUTATIONS` below. The root types are built
   from these lists, so modules never edit each other's classes.
2. Fields on existing types (e.g. `Municipality.similar`, `Software.usedBy`): call
   `extend_type(Municipality, SimilarFields)` at import time of your module, where
   `SimilarFields` is a plain class holding graphene fields and `resolve_*` methods, and
   import your module here before `schema` is built. `optimize.register(...)` tells the
   N+1 planner how those fields load.
3. New types that are only reachable through interfaces go into `TYPES`.

Conventions every module follows: every list is a connection with `totalCount`
(`api.fields.CountableConnection` / `ListConnectionField` / `FilterConnectionField`),
mutations subclass `api.mutations.ApiMutation` (one `input`, payload with `errors`),
refusals raise `api.errors.permission_denied()`, and permission questions go to
hub.permissions. After changing the schema run `make schema` to refresh
`api/schema.graphql`; a test fails while it is stale.
"""

from __future__ import annotations

from pathlib import Path

import graphene
from graphene import relay

from api.discovery import DiscoveryQuery
from api.fields import NodeField, attribute_resolvers, extend_type
from api.hub_mutations import HubMutations
from api.hub_types import HubQuery
from api.knowledge import KnowledgeMutations, KnowledgeQuery

__all__ = ["extend_type", "schema", "sdl", "export_schema", "build_schema"]

QUERIES: list[type[graphene.ObjectType]] = [HubQuery, DiscoveryQuery, KnowledgeQuery]
MUTATIONS: list[type[graphene.ObjectType]] = [HubMutations, KnowledgeMutations]
TYPES: list[type] = []

SCHEMA_FILE = Path(__file__).resolve().parent / "schema.graphql"


def build_schema(queries: list[type], mutations: list[type], types: list[type]) -> graphene.Schema:
    query = type("Query", (*queries, graphene.ObjectType), {
        "node": NodeField(relay.Node, description="Any object by its global ID."),
        "__doc__": "Read the hub: municipalities, software, services, usages, organisations, "
                   "collaborations.",
    })
    mutation = type("Mutation", (*mutations, graphene.ObjectType), {
        "__doc__": "Change the hub. Every mutation takes one `input` and returns the object "
                   "or `errors`.",
    }) if mutations else None
    built = graphene.Schema(query=query, mutation=mutation, types=types or None)
    attribute_resolvers(built.graphql_schema)
    return built


def sdl(target: graphene.Schema | None = None) -> str:
    """The schema in SDL, as written to api/schema.graphql."""
    return str(target or schema).rstrip() + "\n"


def export_schema(*, write: bool = True) -> bool:
    """Compare (and unless `write` is false, refresh) api/schema.graphql; True if it differed."""
    current = sdl()
    stale = not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != current
    if stale and write:
        SCHEMA_FILE.write_text(current)
    return stale


schema = build_schema(QUERIES, MUTATIONS, TYPES)
