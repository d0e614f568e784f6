"""The one Cypher catalogue: every query the project sends to a graph engine, by name.

Grouped as schema (the only part that differs per engine), projection (outbox consumer and
rebuild), similarity (the precomputed top-50 job), discovery (reads) and checks. Every text
stays inside the subset both Neo4j 5 and FalkorDB 4 run (../shared/notes/falkordb-cypher.md,
plus what tests/graph/test_catalogue.py runs on the embedded engine):

- no `count {}` / `EXISTS {}` subqueries, no `CALL (x) {}`, no `elementId()`, no APOC;
- shortest paths only as `MATCH p = allShortestPaths(...)` with both ends bound, and the
  relationship filter as a property map on the variable-length pattern (a `WHERE all(...)`
  is applied after the search on FalkorDB and would drop paths instead of finding longer ones);
- parameters only, never string formatting; values returned are numbers, strings, lists and
  maps (no nodes/paths), and exact numbers are returned as integers because FalkorDB prints
  doubles with 15 significant digits;
- sums go through `toInteger(...)`: FalkorDB's `sum()` yields a double even over integers.

Graph model (README, "Graph projection"): nodes keyed by the database `pk`
Municipality, State, Organization, Software, Category, Service, Collaboration (+ Meta for
bookkeeping); relationships IN_STATE, PART_OF, MEMBER_OF, IN_CATEGORY, MADE_BY, USES, OFFERS,
OPERATED_BY, REPLACED_BY, PARTICIPATES_IN, ABOUT, SIMILAR_TO.
"""

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

# ============================================================================ projection
# Upserts are MERGE by pk followed by `SET x += r.props`, where props carries every projected
# key (null removes a property), so applying the same row twice changes nothing. Relationships
# that may point elsewhere after an update are deleted when stale, in the same statement.

MERGE_STATES: LiteralString = """
UNWIND $rows AS r
MERGE (n:State {pk: r.pk})
SET n += r.props
"""
"""Länder; written from the municipality rows, since State rows have no outbox events."""

MERGE_CATEGORIES: LiteralString = """
UNWIND $rows AS r
MERGE (n:Category {pk: r.pk})
SET n += r.props
"""
"""Software categories (the taxonomy)."""

MERGE_ORGANIZATIONS: LiteralString = """
UNWIND $rows AS r
MERGE (n:Organization {pk: r.pk})
SET n += r.props
"""
"""IT providers, associations, vendors, …: introduction channels and vendors."""

MERGE_MUNICIPALITIES: LiteralString = """
UNWIND $rows AS r
MERGE (m:Municipality {pk: r.pk})
SET m += r.props
WITH m, r
OPTIONAL MATCH (m)-[old:IN_STATE|PART_OF]->(x)
WHERE (type(old) = 'IN_STATE' AND x.pk <> r.state_pk)
   OR (type(old) = 'PART_OF' AND (r.parent IS NULL OR x.pk <> r.parent))
DELETE old
WITH DISTINCT m, r
MERGE (st:State {pk: r.state_pk})
MERGE (m)-[:IN_STATE]->(st)
WITH m, r
WHERE r.parent IS NOT NULL
MERGE (k:Municipality {pk: r.parent})
MERGE (m)-[:PART_OF]->(k)
"""
"""Municipalities with their Land and Kreis. `state`, `kreis`, `kind` and `band` are also
node properties, so discovery filters are property tests instead of extra hops."""

MERGE_SOFTWARE: LiteralString = """
UNWIND $rows AS r
MERGE (s:Software {pk: r.pk})
SET s += r.props
WITH s, r
OPTIONAL MATCH (s)-[old:IN_CATEGORY|MADE_BY]->(x)
WHERE (type(old) = 'IN_CATEGORY' AND x.pk <> r.category)
   OR (type(old) = 'MADE_BY' AND (r.vendor IS NULL OR x.pk <> r.vendor))
DELETE old
WITH DISTINCT s, r
MERGE (c:Category {pk: r.category})
MERGE (s)-[:IN_CATEGORY]->(c)
WITH s, r
WHERE r.vendor IS NOT NULL
MERGE (o:Organization {pk: r.vendor})
MERGE (s)-[:MADE_BY]->(o)
"""
"""Products with category, vendor and how many municipalities run them (`users`,
`users_public`): the degree that weights similarity and lift, kept on the node so no read
counts it again. The consumer rewrites a product whenever one of its usages changes."""

MERGE_SERVICES: LiteralString = """
UNWIND $rows AS r
MERGE (x:Service {pk: r.pk})
SET x += r.props
WITH x, r
OPTIONAL MATCH (x)-[old:PART_OF]->(o)
WHERE r.ozg_service IS NULL OR o.pk <> r.ozg_service
DELETE old
WITH DISTINCT x, r
WHERE r.ozg_service IS NOT NULL
MERGE (o:Service {pk: r.ozg_service})
MERGE (x)-[:PART_OF]->(o)
"""
"""OZG and LeiKa services; a LeiKa service is PART_OF its OZG service, so "who offers the
OZG service" also finds usages recorded against its LeiKa services."""

MERGE_MUNICIPALITY_MEMBERSHIPS: LiteralString = """
UNWIND $rows AS r
OPTIONAL MATCH (a)-[old:MEMBER_OF {pk: r.pk}]->(b)
WHERE NOT (a:Municipality AND a.pk = r.member AND b.pk = r.organization)
DELETE old
WITH DISTINCT r
MERGE (a:Municipality {pk: r.member})
MERGE (o:Organization {pk: r.organization})
MERGE (a)-[e:MEMBER_OF {pk: r.pk}]->(o)
SET e += r.props
"""
"""A municipality's membership (member, Träger, client, partner) in an organisation:
shared IT provider or association for `connections`."""

MERGE_ORGANIZATION_MEMBERSHIPS: LiteralString = """
UNWIND $rows AS r
OPTIONAL MATCH (a)-[old:MEMBER_OF {pk: r.pk}]->(b)
WHERE NOT (a:Organization AND a.pk = r.member AND b.pk = r.organization)
DELETE old
WITH DISTINCT r
MERGE (a:Organization {pk: r.member})
MERGE (o:Organization {pk: r.organization})
MERGE (a)-[e:MEMBER_OF {pk: r.pk}]->(o)
SET e += r.props
"""
"""An organisation's membership in another (a provider in an association)."""

MERGE_USAGES: LiteralString = """
UNWIND $rows AS r
OPTIONAL MATCH (a)-[old:USES {pk: r.pk}]->(b)
WHERE a.pk <> r.municipality OR b.pk <> r.software
DELETE old
WITH DISTINCT r
MERGE (m:Municipality {pk: r.municipality})
MERGE (s:Software {pk: r.software})
MERGE (m)-[u:USES {pk: r.pk}]->(s)
SET u += r.props
"""
"""One USES relationship per usage (keyed by the usage pk, so a retired and a current usage
of the same product are both kept), with status, visibility and the evidence fields."""

MERGE_USAGE_OFFERS: LiteralString = """
UNWIND $rows AS r
OPTIONAL MATCH (a)-[old:OFFERS {usage: r.pk}]->(x)
WHERE a.pk <> r.municipality OR NOT x.pk IN r.services
DELETE old
WITH DISTINCT r
MATCH (m:Municipality {pk: r.municipality})
UNWIND r.services AS service
MERGE (x:Service {pk: service})
MERGE (m)-[o:OFFERS {usage: r.pk}]->(x)
SET o.software = r.software, o.status = r.props.status, o.in_use = r.props.in_use,
    o.public = r.props.public
"""
"""A usage that names services: the municipality offers these services with this product.
A relationship per (usage, service) because a relationship cannot point at a USES edge."""

MERGE_USAGE_REPLACEMENTS: LiteralString = """
UNWIND $rows AS r
OPTIONAL MATCH (a)-[old:REPLACED_BY {usage: r.pk}]->(b)
WHERE r.successor IS NULL OR a.pk <> r.software OR b.pk <> r.successor
DELETE old
WITH DISTINCT r
WHERE r.successor IS NOT NULL
MERGE (a:Software {pk: r.software})
MERGE (b:Software {pk: r.successor})
MERGE (a)-[e:REPLACED_BY {usage: r.pk}]->(b)
SET e.municipality = r.municipality, e.public = r.props.public
"""
"""A retired usage with a successor is one migration from the old product to the new one."""

CREATE_USAGES: LiteralString = """
MATCH (x:Software)
WITH x ORDER BY x.pk
WITH collect(x) AS products
UNWIND $rows AS r
MATCH (m:Municipality {pk: r.municipality})
UNWIND r.usages AS u
WITH m, u, products[u.position] AS s
WHERE s.pk = u.software
CREATE (m)-[e:USES {pk: u.pk}]->(s)
SET e += u.props
"""
"""Bulk load of USES into an empty graph (rebuild), grouped by municipality. The product is
found by its position among all products ordered by pk, not by an index lookup per usage,
which is what dominates a FalkorDB bulk load (2–3× faster); the `WHERE s.pk = …` guard
skips a usage whose position is stale, and the rebuild then falls back to MERGE_USAGES."""

MATCH_USES_COUNT: LiteralString = """
MATCH ()-[u:USES]->() RETURN count(u) AS n
"""
"""The rebuild's check that the bulk load created every USES relationship."""

CREATE_USAGE_OFFERS: LiteralString = """
UNWIND $rows AS r
MATCH (m:Municipality {pk: r.municipality})
UNWIND r.offers AS o
MATCH (x:Service {pk: o.service})
CREATE (m)-[e:OFFERS {usage: o.usage}]->(x)
SET e += o.props
"""
"""Bulk load of OFFERS into an empty graph, grouped by municipality."""

CREATE_USAGE_REPLACEMENTS: LiteralString = """
UNWIND $rows AS r
MATCH (a:Software {pk: r.software})
UNWIND r.moves AS mv
MATCH (b:Software {pk: mv.successor})
CREATE (a)-[e:REPLACED_BY {usage: mv.usage}]->(b)
SET e.municipality = mv.municipality, e.public = mv.public
"""
"""Bulk load of REPLACED_BY into an empty graph, grouped by the product left behind."""

MATCH_USAGE_ENDPOINTS: LiteralString = """
UNWIND $pks AS pk
MATCH (m:Municipality)-[u:USES {pk: pk}]->(s:Software)
RETURN m.pk AS municipality, s.pk AS software
"""
"""Where usages pointed before an update or delete, so derived data of the old
municipality and product is refreshed too."""

DELETE_USAGES: LiteralString = """
UNWIND $pks AS pk
MATCH ()-[u:USES {pk: pk}]->()
DELETE u
"""
"""Deleted usages lose their USES relationship."""

DELETE_USAGE_OFFERS: LiteralString = """
UNWIND $pks AS pk
MATCH ()-[o:OFFERS {usage: pk}]->()
DELETE o
"""
"""… their OFFERS relationships."""

DELETE_USAGE_REPLACEMENTS: LiteralString = """
UNWIND $pks AS pk
MATCH ()-[e:REPLACED_BY {usage: pk}]->()
DELETE e
"""
"""… and their migration."""

REFRESH_OPERATED_BY: LiteralString = """
UNWIND $pks AS pk
MATCH (m:Municipality {pk: pk})
OPTIONAL MATCH (m)-[old:OPERATED_BY]->()
DELETE old
WITH DISTINCT m
MATCH (m)-[u:USES]->()
WHERE u.operated_by IS NOT NULL
WITH m, u.operated_by AS provider, collect(u.pk) AS usages,
     sum(CASE WHEN u.in_use AND u.public THEN 1 ELSE 0 END) AS public_in_use,
     sum(CASE WHEN u.in_use THEN 1 ELSE 0 END) AS in_use
MATCH (o:Organization {pk: provider})
MERGE (m)-[e:OPERATED_BY]->(o)
SET e.usages = usages, e.link = public_in_use > 0, e.link_members = in_use > 0
"""
"""One OPERATED_BY per (municipality, provider) summarising the usages a provider runs for
it: a shared IT provider without one parallel path per usage."""

CLEAR_DELETED_PROVIDER: LiteralString = """
UNWIND $pks AS pk
MATCH ()-[u:USES]->()
WHERE u.operated_by = pk
SET u.operated_by = null
"""
"""The database nulls `operated_by` without signals when a provider is deleted; mirror it."""

CLEAR_DELETED_SERVICE: LiteralString = """
UNWIND $pks AS pk
MATCH ()-[u:USES]->()
WHERE pk IN u.services
SET u.services = [x IN u.services WHERE x <> pk]
"""
"""The database drops a deleted service from usages without signals; mirror it."""

MERGE_COLLABORATIONS: LiteralString = """
UNWIND $rows AS r
MERGE (c:Collaboration {pk: r.pk})
SET c += r.props
WITH c, r
OPTIONAL MATCH (c)-[old:ABOUT]->()
DELETE old
WITH DISTINCT c, r
OPTIONAL MATCH ()-[old:PARTICIPATES_IN]->(c)
DELETE old
WITH DISTINCT c, r
FOREACH (p IN r.municipalities |
  MERGE (m:Municipality {pk: p.pk})
  MERGE (m)-[e:PARTICIPATES_IN]->(c)
  SET e.lead = p.lead, e.link = r.props.public, e.link_members = true)
FOREACH (p IN r.organizations |
  MERGE (o:Organization {pk: p.pk})
  MERGE (o)-[e:PARTICIPATES_IN]->(c)
  SET e.lead = p.lead, e.link = r.props.public, e.link_members = true)
FOREACH (pk IN r.software | MERGE (s:Software {pk: pk}) MERGE (c)-[:ABOUT]->(s))
FOREACH (pk IN r.services | MERGE (x:Service {pk: pk}) MERGE (c)-[:ABOUT]->(x))
"""
"""A collaboration with its participants (the lead included) and topics. Its few
relationships are replaced as a whole, inside the one statement."""

DELETE_MUNICIPALITIES: LiteralString = """
UNWIND $pks AS pk MATCH (n:Municipality {pk: pk}) DETACH DELETE n
"""
"""Deleted municipalities vanish with all their relationships (similarity included)."""

DELETE_ORGANIZATIONS: LiteralString = """
UNWIND $pks AS pk MATCH (n:Organization {pk: pk}) DETACH DELETE n
"""
"""Deleted organisations."""

DELETE_CATEGORIES: LiteralString = """
UNWIND $pks AS pk MATCH (n:Category {pk: pk}) DETACH DELETE n
"""
"""Deleted categories."""

DELETE_SOFTWARE: LiteralString = """
UNWIND $pks AS pk MATCH (n:Software {pk: pk}) DETACH DELETE n
"""
"""Deleted products."""

DELETE_SERVICES: LiteralString = """
UNWIND $pks AS pk MATCH (n:Service {pk: pk}) DETACH DELETE n
"""
"""Deleted services."""

DELETE_COLLABORATIONS: LiteralString = """
UNWIND $pks AS pk MATCH (n:Collaboration {pk: pk}) DETACH DELETE n
"""
"""Deleted collaborations."""

DELETE_MEMBERSHIPS: LiteralString = """
UNWIND $pks AS pk MATCH ()-[e:MEMBER_OF {pk: pk}]->() DELETE e
"""
"""Deleted memberships."""

MERGE_META: LiteralString = """
MERGE (x:Meta {key: $key})
SET x += $props
"""
"""Bookkeeping kept with the graph itself (last applied outbox event, similarity job
state), so a graph restored from an old snapshot is recognised and rebuilt."""

MATCH_META: LiteralString = """
MATCH (x:Meta {key: $key})
RETURN properties(x) AS props
"""
"""Read a bookkeeping record."""

# ============================================================================ similarity

REPLACE_SIMILAR: LiteralString = """
UNWIND $rows AS r
MATCH (a:Municipality {pk: r.pk})
OPTIONAL MATCH (a)-[old:SIMILAR_TO]->()
DELETE old
WITH DISTINCT a, r
SET a.similar_at = $computed_at, a.similar_truncated = r.truncated
WITH a, r
UNWIND r.neighbours AS n
MATCH (b:Municipality {pk: n[0]})
CREATE (a)-[:SIMILAR_TO {score: n[1], shared: n[2]}]->(b)
"""
"""Replace a municipality's stored top-50 in one statement, so a reader never sees half a
list. `similar_truncated` records whether more candidates existed than were kept; then
filters the top 50 cannot serve fall back to MATCH_SIMILAR_ON_THE_FLY."""

ADD_SIMILARITY_CHANGES: LiteralString = """
MERGE (x:Meta {key: 'similarity'})
SET x.changes = coalesce(x.changes, 0) + $n
RETURN x.changes AS changes
"""
"""Count municipalities whose rows changed since the last full job (negative n: the job
subtracts what it has absorbed), so the full rerun starts once enough have accumulated."""

REPLACE_SIMILAR_BULK: LiteralString = """
MATCH (x:Municipality)
WITH x ORDER BY x.ags, x.pk
WITH collect(x) AS places
UNWIND $rows AS r
WITH r, places[r.position] AS a, [n IN r.neighbours | [places[n[3]], n]] AS targets
WHERE a.pk = r.pk
WITH r, a, targets, [(a)-[old:SIMILAR_TO]->() | old] AS outdated
FOREACH (old IN outdated | DELETE old)
SET a.similar_at = $computed_at, a.similar_truncated = r.truncated
WITH a, targets
UNWIND targets AS t
WITH a, t[0] AS b, t[1] AS n
WHERE b.pk = n[0]
CREATE (a)-[:SIMILAR_TO {score: n[1], shared: n[2]}]->(b)
"""
"""REPLACE_SIMILAR for the full job: municipalities are addressed by their position in AGS
order (the job's matrix order, checked against MATCH_MUNICIPALITY_ORDER first), which saves
an index lookup per relationship; the pk guards skip anything that moved meanwhile. `places`
is used in one projection only: FalkorDB copies a list into every record that carries it
(measured: three such projections took 70 % of the statement). The old
relationships go through FOREACH: `OPTIONAL MATCH … DELETE` would need a DISTINCT over the
whole `places` list, and a `CALL { WITH a … DELETE }` subquery runs for the first row only
on FalkorDB 4.16 (measured: 50 of 4,137 relationships deleted)."""

MATCH_MUNICIPALITY_ORDER: LiteralString = """
MATCH (m:Municipality)
RETURN m.pk AS pk
ORDER BY m.ags, m.pk
"""
"""The graph's municipalities in AGS order: REPLACE_SIMILAR_BULK may address them by
position only if this equals the job's matrix order."""

# ============================================================================ discovery
# Each read binds its anchor node first (`MATCH (anchor {pk: $pk}) WITH anchor MATCH …`):
# when the WHERE tests the other end, FalkorDB's planner starts there and scans every node of
# that label (measured on the Germany-scale graph: 500 ms instead of 1 ms for MATCH_SIMILAR).
# `$members`: the reader may see members-only usages (else public ones only). Scores are
# integers in micro-units (see graph/similarity.py for why).

MATCH_MUNICIPALITY_STATE: LiteralString = """
MATCH (m:Municipality {pk: $pk})
RETURN m.state AS state, m.kind AS kind, m.band AS band, m.kreis AS kreis,
       m.similar_at AS similar_at, m.similar_truncated AS similar_truncated
"""
"""What a municipality's reads need to know first: its filters' values and whether its
stored neighbour list exists and is complete."""

MATCH_SIMILAR: LiteralString = """
MATCH (m:Municipality {pk: $pk})
WITH m
OPTIONAL MATCH (m)-[r:SIMILAR_TO]->(o:Municipality)
WHERE (NOT $same_state OR o.state = m.state) AND (NOT $same_kind OR o.kind = m.kind)
  AND ($band IS NULL OR o.band = CASE WHEN $band = 'same' THEN m.band ELSE $band END)
WITH m, o, toInteger(round(r.score * 1000000)) AS units, r.shared AS shared
ORDER BY units DESC, o.ags
LIMIT $first
RETURN m.similar_at AS similar_at, m.similar_truncated AS truncated, o.pk AS pk, units, shared
"""
"""The shipped `similar`: read the precomputed SIMILAR_TO relationships (a few dozen per
municipality) instead of expanding every shared product's users. One round trip returns
the hits and whether the stored list exists and was cut at 50 (then a filter that leaves
fewer than `first` hits needs MATCH_SIMILAR_ON_THE_FLY)."""

MATCH_SIMILAR_ON_THE_FLY: LiteralString = """
MATCH (m:Municipality {pk: $pk})
WITH m
MATCH (m)-[u:USES]->(s:Software)<-[v:USES]-(o:Municipality)
WHERE u.in_use AND u.public AND v.in_use AND v.public AND o.pk <> m.pk
  AND (NOT $same_state OR o.state = m.state) AND (NOT $same_kind OR o.kind = m.kind)
  AND ($band IS NULL OR o.band = CASE WHEN $band = 'same' THEN m.band ELSE $band END)
WITH o, s, toInteger(round(1000000.0 / log(toFloat(s.users_public)))) AS weight
WITH o, toInteger(sum(weight)) AS units, collect(s.pk) AS shared
RETURN o.pk AS pk, units, shared
ORDER BY units DESC, o.ags
LIMIT $first
"""
"""The same ranking computed on the fly (Adamic–Adar over shared public products in pilot
or production): the fallback for filters the stored top 50 cannot serve, and the benchmark's
"without precomputation" figure."""

MATCH_RECOMMENDATIONS: LiteralString = """
MATCH (m:Municipality {pk: $pk})
OPTIONAL MATCH (m)-[x:USES]->(own:Software)
WHERE x.public OR $members
WITH m, collect(own.pk) AS mine
MATCH (m)-[r:SIMILAR_TO]->(o:Municipality)-[u:USES]->(s:Software)
WHERE u.in_use AND (u.public OR $members) AND NOT s.pk IN mine
WITH s, o, toInteger(round(r.score * 1000000)) AS units, u.satisfaction AS satisfaction
WITH s, toInteger(sum(units)) AS score, collect([o.pk, units, o.ags]) AS used_by,
     toInteger(sum(coalesce(satisfaction, 0))) AS satisfaction_sum,
     count(satisfaction) AS satisfaction_count
RETURN s.pk AS pk, score, used_by, satisfaction_sum, satisfaction_count
ORDER BY score DESC, size(used_by) DESC, s.slug
LIMIT $first
"""
"""Products the stored neighbours run and this municipality does not (no visible usage of
any status), scored by the summed similarity of the neighbours running them."""

MATCH_RECOMMENDATIONS_FOR_NEIGHBOURS: LiteralString = """
MATCH (m:Municipality {pk: $pk})
OPTIONAL MATCH (m)-[x:USES]->(own:Software)
WHERE x.public OR $members
WITH m, collect(own.pk) AS mine
UNWIND $neighbours AS n
MATCH (o:Municipality {pk: n[0]})-[u:USES]->(s:Software)
WHERE u.in_use AND (u.public OR $members) AND NOT s.pk IN mine
WITH s, o, n[1] AS units, u.satisfaction AS satisfaction
WITH s, toInteger(sum(units)) AS score, collect([o.pk, units, o.ags]) AS used_by,
     toInteger(sum(coalesce(satisfaction, 0))) AS satisfaction_sum,
     count(satisfaction) AS satisfaction_count
RETURN s.pk AS pk, score, used_by, satisfaction_sum, satisfaction_count
ORDER BY score DESC, size(used_by) DESC, s.slug
LIMIT $first
"""
"""The same aggregation over neighbours computed on the fly, for a municipality whose
stored list does not exist yet."""

MATCH_USED_BY: LiteralString = """
MATCH (s:Software {pk: $pk})
WITH s
MATCH (m:Municipality)-[u:USES]->(s)
WHERE u.status IN $statuses AND (u.public OR $members)
  AND ($state IS NULL OR m.state = $state) AND ($kreis IS NULL OR m.kreis = $kreis)
  AND ($services IS NULL OR any(x IN u.services WHERE x IN $services))
WITH m, u, CASE u.status WHEN 'production' THEN 0 WHEN 'pilot' THEN 1 WHEN 'planned' THEN 2
                         WHEN 'evaluating' THEN 3 ELSE 4 END AS stage
RETURN m.pk AS municipality, u.pk AS usage, u.status AS status
ORDER BY stage, m.ags, u.pk
LIMIT $first
"""
"""Who uses a product, filtered by status, Land, Kreis and service; production first."""

MATCH_USED_WITH: LiteralString = """
MATCH (s:Software {pk: $pk})
MATCH (s)<-[u:USES]-(m:Municipality)-[v:USES]->(t:Software)
WHERE u.in_use AND v.in_use AND (u.public OR $members) AND (v.public OR $members)
  AND t.pk <> s.pk
WITH s, t, count(m) AS together
WHERE together >= $min_together
WITH s, t, together,
     CASE WHEN $members THEN t.users ELSE t.users_public END AS users_t,
     CASE WHEN $members THEN s.users ELSE s.users_public END AS users_s
RETURN t.pk AS pk, together, users_t, users_s
ORDER BY toFloat(together) / users_t DESC, together DESC, t.slug
LIMIT $first
"""
"""Products run together with this one, ranked by lift (together·N / (users_s·users_t);
N and users_s are the same for every row, so the order is by together / users_t)."""

MATCH_SERVICE_FAMILY: LiteralString = """
MATCH (x:Service {pk: $pk})
OPTIONAL MATCH (c:Service)-[:PART_OF]->(x)
RETURN x.pk AS pk, collect(c.pk) AS parts
"""
"""A service and its LeiKa services: asking for an OZG service means any of them."""

MATCH_MUNICIPALITY_COUNT: LiteralString = """
MATCH (m:Municipality) RETURN count(m) AS n
"""
"""N in the lift formula."""

MATCH_OFFERED_BY: LiteralString = """
UNWIND $services AS service
MATCH (x:Service {pk: service})
MATCH (m:Municipality)-[o:OFFERS]->(x)
WHERE o.in_use AND (o.public OR $members)
WITH m, o.software AS software, collect(DISTINCT o.usage) AS usages
RETURN m.pk AS municipality, software, usages
ORDER BY m.ags, software
"""
"""Who offers a service online (a usage in pilot or production that names it, or one of its
LeiKa services), with which product."""

MATCH_REPLACED_BY: LiteralString = """
MATCH (s:Software {pk: $pk})
MATCH (s)-[e:REPLACED_BY]->(t:Software)
WHERE e.public OR $members
WITH t, count(e) AS moves, collect(e.municipality) AS municipalities
RETURN t.pk AS pk, moves, municipalities
ORDER BY moves DESC, t.slug
"""
"""Migration paths away from a product: the successors of its retired usages, counted."""

MATCH_REPLACES: LiteralString = """
MATCH (s:Software {pk: $pk})
MATCH (t:Software)-[e:REPLACED_BY]->(s)
WHERE e.public OR $members
WITH t, count(e) AS moves, collect(e.municipality) AS municipalities
RETURN t.pk AS pk, moves, municipalities
ORDER BY moves DESC, t.slug
"""
"""Migration paths towards a product: what the municipalities that moved to it ran before."""

MATCH_PLANNED_BY: LiteralString = """
MATCH (s:Software {pk: $pk})
WITH s
MATCH (m:Municipality)-[u:USES]->(s)
WHERE u.status IN ['planned', 'evaluating'] AND (u.public OR $members)
  AND ($viewer IS NULL OR m.pk <> $viewer)
WITH m, u,
     CASE WHEN u.joint THEN 1 ELSE 0 END AS joint,
     CASE WHEN $kreis IS NOT NULL AND m.kreis = $kreis THEN 2
          WHEN $state IS NOT NULL AND m.state = $state THEN 1 ELSE 0 END AS nearness
RETURN m.pk AS municipality, u.pk AS usage, joint, nearness
ORDER BY joint DESC, nearness DESC, m.ags
"""
"""Municipalities planning or evaluating a product: partners for a joint procurement first,
then the nearest to the viewer (same Kreis, same Land)."""

MATCH_CONNECTIONS_DIRECT: LiteralString = """
MATCH (a:Municipality {pk: $source}), (b:Municipality {pk: $target})
WITH a, b
MATCH (a)-[r1:MEMBER_OF|OPERATED_BY|PARTICIPATES_IN|USES {link: true}]-(x)
WITH a, b, r1, x
MATCH (x)-[r2:MEMBER_OF|OPERATED_BY|PARTICIPATES_IN|USES {link: true}]-(b)
RETURN [[labels(a)[0], a.pk], [labels(x)[0], x.pk], [labels(b)[0], b.pk]] AS nodes,
       [type(r1), type(r2)] AS types
"""
"""Who can introduce whom, first step: the intermediaries both share (one hop). At Germany
scale almost every pair shares a product, and this expansion from one side checked against
the other takes a millisecond where allShortestPaths' breadth-first search takes 100–200."""

MATCH_CONNECTIONS_DIRECT_MEMBERS: LiteralString = """
MATCH (a:Municipality {pk: $source}), (b:Municipality {pk: $target})
WITH a, b
MATCH (a)-[r1:MEMBER_OF|OPERATED_BY|PARTICIPATES_IN|USES {link_members: true}]-(x)
WITH a, b, r1, x
MATCH (x)-[r2:MEMBER_OF|OPERATED_BY|PARTICIPATES_IN|USES {link_members: true}]-(b)
RETURN [[labels(a)[0], a.pk], [labels(x)[0], x.pk], [labels(b)[0], b.pk]] AS nodes,
       [type(r1), type(r2)] AS types
"""
"""The same one-hop step for members."""

MATCH_CONNECTIONS: LiteralString = """
MATCH (a:Municipality {pk: $source}), (b:Municipality {pk: $target})
WITH a, b
MATCH p = allShortestPaths((a)-[:MEMBER_OF|OPERATED_BY|PARTICIPATES_IN|USES*..6 {link: true}]-(b))
RETURN [n IN nodes(p) | [labels(n)[0], n.pk]] AS nodes,
       [r IN relationships(p) | type(r)] AS types
LIMIT $cap
"""
"""Who can introduce whom when no single intermediary exists, for readers who see public
data: the shortest paths over shared IT providers (membership or operation), associations,
collaborations and products in use. `link` marks the relationships that are public channels.
`$cap` bounds the enumeration: two hops apart, two municipalities can have 10⁵ shortest paths
through popular products."""

MATCH_CONNECTIONS_MEMBERS: LiteralString = """
MATCH (a:Municipality {pk: $source}), (b:Municipality {pk: $target})
WITH a, b
MATCH p = allShortestPaths((a)-[:MEMBER_OF|OPERATED_BY|PARTICIPATES_IN|USES*..6 {link_members: true}]-(b))
RETURN [n IN nodes(p) | [labels(n)[0], n.pk]] AS nodes,
       [r IN relationships(p) | type(r)] AS types
LIMIT $cap
"""
"""The same for members, over members-only usages and collaborations too. Two texts because
the filter must sit in the pattern and a property key cannot be a parameter."""

# ============================================================================ checks

MATCH_NODES: LiteralString = """
MATCH (n)
WHERE $label IN labels(n)
RETURN n.pk AS pk, properties(n) AS props
"""
"""Every node of a label with its properties, for graph_check."""

MATCH_RELATIONSHIPS: LiteralString = """
MATCH (a)-[r]->(b)
WHERE type(r) IN $types
RETURN type(r) AS type, labels(a)[0] AS from_label, a.pk AS from_pk,
       labels(b)[0] AS to_label, b.pk AS to_pk, properties(r) AS props
"""
"""Every relationship of the given types with its ends, for graph_check."""

PING: LiteralString = """
RETURN 1 AS ok
"""
"""The cheapest round trip through the query engine, for /readyz."""
