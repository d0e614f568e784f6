"""Schema statements: the only Cypher that differs per engine."""

from typing import LiteralString

# ============================================================================ schema
# Only these differ per engine: FalkorDB has no named indexes, no IF NOT EXISTS and makes
# uniqueness a separate command (GRAPH.CONSTRAINT, issued by the client from UNIQUE_FALKORDB).

SCHEMA_FALKORDB: list[LiteralString] = [
    "CREATE INDEX FOR (n:Municipality) ON (n.pk)",
    "CREATE INDEX FOR (n:Municipality) ON (n.ags)",
    "CREATE INDEX FOR (n:State) ON (n.pk)",
    "CREATE INDEX FOR (n:Organization) ON (n.pk)",
    "CREATE INDEX FOR (n:Category) ON (n.pk)",
    "CREATE INDEX FOR (n:Software) ON (n.pk)",
    "CREATE INDEX FOR (n:Software) ON (n.slug)",
    "CREATE INDEX FOR (n:Service) ON (n.pk)",
    "CREATE INDEX FOR (n:Collaboration) ON (n.pk)",
    "CREATE INDEX FOR (n:Meta) ON (n.key)",
    # no such property: these only register the types before any query is planned
    "CREATE INDEX FOR ()-[r:USES]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:MEMBER_OF]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:OFFERS]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:REPLACED_BY]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:IN_STATE]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:PART_OF]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:IN_CATEGORY]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:MADE_BY]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:OPERATED_BY]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:PARTICIPATES_IN]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:ABOUT]-() ON (r.type_registered)",
    "CREATE INDEX FOR ()-[r:SIMILAR_TO]-() ON (r.type_registered)",
]
"""Range indexes for every node lookup by key: MERGE by `pk`, reads by `ags`/`slug`. Every
relationship type gets an index on a property no relationship has, so that the type exists
before the first query is planned:
FalkorDB caches plans, and a pattern comprehension planned while its type did not exist yet
keeps returning nothing afterwards (measured on 4.16: `size([(a)-[:S]->() | 1])` stays 0)."""

KEYS_FALKORDB: list[LiteralString] = [
    "CREATE INDEX FOR ()-[r:USES]-() ON (r.pk)",
    "CREATE INDEX FOR ()-[r:MEMBER_OF]-() ON (r.pk)",
    "CREATE INDEX FOR ()-[r:OFFERS]-() ON (r.usage)",
    "CREATE INDEX FOR ()-[r:REPLACED_BY]-() ON (r.usage)",
]
"""The relationship keys the consumer deletes or replaces by (a usage's USES, OFFERS,
REPLACED_BY; a membership). A rebuild creates them after the bulk load: maintaining them
edge by edge costs a fifth of the load."""

UNIQUE_FALKORDB: list[tuple[str, str]] = [
    ("Municipality", "pk"), ("State", "pk"), ("Organization", "pk"), ("Category", "pk"),
    ("Software", "pk"), ("Service", "pk"), ("Collaboration", "pk"), ("Meta", "key"),
]
"""Node keys that must stay unique: a CREATE of a duplicate fails instead of splitting a node."""

SCHEMA_NEO4J: list[LiteralString] = [
    "CREATE CONSTRAINT municipality_pk IF NOT EXISTS FOR (n:Municipality) REQUIRE n.pk IS UNIQUE",
    "CREATE CONSTRAINT state_pk IF NOT EXISTS FOR (n:State) REQUIRE n.pk IS UNIQUE",
    "CREATE CONSTRAINT organization_pk IF NOT EXISTS FOR (n:Organization) REQUIRE n.pk IS UNIQUE",
    "CREATE CONSTRAINT category_pk IF NOT EXISTS FOR (n:Category) REQUIRE n.pk IS UNIQUE",
    "CREATE CONSTRAINT software_pk IF NOT EXISTS FOR (n:Software) REQUIRE n.pk IS UNIQUE",
    "CREATE CONSTRAINT service_pk IF NOT EXISTS FOR (n:Service) REQUIRE n.pk IS UNIQUE",
    "CREATE CONSTRAINT collaboration_pk IF NOT EXISTS FOR (n:Collaboration) REQUIRE n.pk IS UNIQUE",
    "CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (n:Meta) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX municipality_ags IF NOT EXISTS FOR (n:Municipality) ON (n.ags)",
    "CREATE INDEX software_slug IF NOT EXISTS FOR (n:Software) ON (n.slug)",
    "CREATE INDEX uses_pk IF NOT EXISTS FOR ()-[r:USES]-() ON (r.pk)",
    "CREATE INDEX member_of_pk IF NOT EXISTS FOR ()-[r:MEMBER_OF]-() ON (r.pk)",
    "CREATE INDEX offers_usage IF NOT EXISTS FOR ()-[r:OFFERS]-() ON (r.usage)",
    "CREATE INDEX replaced_by_usage IF NOT EXISTS FOR ()-[r:REPLACED_BY]-() ON (r.usage)",
]
"""The same keys for Neo4j 5: uniqueness constraints (which bring their own index) and
range indexes, named and idempotent."""

DELETE_SOME_NODES: LiteralString = """
MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted
"""
"""Clearing Neo4j in bounded transactions (CALL IN TRANSACTIONS is not in the shared subset)."""
