"""Readiness of the graph projection for /readyz (settings.READINESS_CHECKS)."""

from __future__ import annotations

from django.conf import settings

from graph import client, cypher


def check_graph() -> tuple[bool, dict]:
    """The engine answers a query. The hub keeps taking writes while the graph is down (the
    outbox holds them), so this only reports; the outbox check measures the lag."""
    engine = "neo4j" if settings.NEO4J_URI else "embedded"
    try:
        # An engine with no graph yet answers with no rows; answering at all is what counts.
        client.get_backend().read(cypher.PING)
    except client.GraphUnavailable:
        return False, {"engine": engine, "state": "unavailable"}
    return True, {"engine": engine}
