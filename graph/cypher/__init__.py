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
- sums go through `toInteger(...)`: FalkorDB's `sum()` yields a double even over integers;
- reads bind their anchor node first (FalkorDB's planner otherwise may scan a whole label),
  old relationships are deleted through FOREACH, not a `CALL {}` subquery (which FalkorDB
  runs for the first row only), and every relationship type exists before any query is
  planned (schema.py says why).

Graph model (README, "Graph projection"): nodes keyed by the database `pk`
Municipality, State, Organization, Software, Category, Service, Collaboration (+ Meta for
bookkeeping); relationships IN_STATE, PART_OF, MEMBER_OF, IN_CATEGORY, MADE_BY, USES, OFFERS,
OPERATED_BY, REPLACED_BY, PARTICIPATES_IN, ABOUT, SIMILAR_TO.

The catalogue is split by group into schema.py, projection.py and discovery.py; every
constant is re-exported here, so callers write `cypher.MATCH_SIMILAR`.
"""

from graph.cypher.discovery import *  # noqa: F403
from graph.cypher.projection import *  # noqa: F403
from graph.cypher.schema import *  # noqa: F403
