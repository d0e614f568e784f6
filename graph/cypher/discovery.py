"""Discovery reads and graph_check reads."""

from typing import LiteralString

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
