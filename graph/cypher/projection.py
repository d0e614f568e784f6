"""Projection statements: outbox consumer, rebuild, similarity job writes, bookkeeping."""

from typing import LiteralString

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
