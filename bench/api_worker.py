"""In-process latencies of typical API queries, run by bench_api in a child process whose
DATABASE_URL points at the benchmark database. Prints one JSON document."""

from __future__ import annotations

import gc
import json
import os
import sys
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.db.models import Count
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    import hub.wsgi  # noqa: F401  (start like a production worker: URLconf, schema, gc.freeze)
    from api import execution, stack
    from api.schema import schema
    from bench.api_queries import PORTFOLIO_QUERY
    from hub.models import Municipality, Software, Usage

    rounds = int(sys.argv[1])
    municipality = Municipality.objects.filter(state__code="05", kind="gemeinde").order_by("ags")[0]
    popular = (Software.objects.annotate(n=Count("usages")).order_by("-n").first())
    since = Usage.objects.order_by("-updated_at").values_list("updated_at", flat=True)[2000]
    queries = {
        "portfolios: 100 municipalities, all usages, software, vendor": (PORTFOLIO_QUERY,
                                                                         {"state": "05"}),
        "portfolios: 100 municipalities, first 10 usages each": (
            PORTFOLIO_QUERY.replace("usages {", "usages(first: 10) {"), {"state": "05"}),
        "municipality by AGS: profile, usages, memberships": ("""query($ags: String!) {
            municipality(ags: $ags) { name kind population kreis { name } state { name }
              usages { totalCount edges { node { status since satisfaction isConfirmed
                software { name category { name } vendor { name } } operatedBy { name } } } }
              memberships { edges { node { role organization { name kind } } } } } }""",
                                                              {"ags": municipality.ags}),
        "software by slug: usage count, 100 users with Kreis": ("""query($slug: String!) {
            software(slug: $slug) { name usageCount vendor { name } category { name }
              usages(first: 100) { totalCount edges { node { status
                municipality { ags name kreis { name } state { code } } } } } } }""",
                                                               {"slug": popular.slug}),
        "catalogue: 100 products of a category with usage counts": ("""query($c: String!) {
            softwareList(first: 100, category: $c, orderBy: "name") { totalCount edges { node {
              name slug isOpenSource licence usageCount vendor { name } } } } }""",
                                                                    {"c": popular.category.slug}),
        "sync feed: 100 usages changed since, with keys": ("""query($since: DateTime!) {
            usages(first: 100, changedSince: $since, orderBy: "-updatedAt") { totalCount
              pageInfo { endCursor hasNextPage } edges { node { id status updatedAt
                municipality { ags } software { slug } } } } }""", {"since": since.isoformat()}),
    }
    request = RequestFactory().post("/graphql")
    out = []

    def execute(query: str, variables: dict):
        request.user, request.api_token, request._api_memo = AnonymousUser(), None, {}
        # The view's steps (api.execution: cached parse/validation, limits, release of the
        # page), from a fresh stack chunk as the view does (api.stack).
        result = stack.call(execution.run_query, schema.graphql_schema, query,
                            variables=variables, context=request)
        if result.errors:
            raise SystemExit(f"{query}: {result.errors}")
        return result

    for name, (query, variables) in queries.items():
        for _ in range(3):  # warm-up: caches, SQLite pages
            execute(query, variables)
        samples, cpu = [], []
        full_before = gc.get_stats()[2]["collections"]
        for _ in range(rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            execute(query, variables)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        with CaptureQueriesContext(connection) as captured:
            result = execute(query, variables)
        full = gc.get_stats()[2]["collections"] - full_before
        gc.collect()
        gc.disable()  # what one request leaves for the cyclic collector (none of it rows)
        execute(query, variables)
        garbage = gc.collect()
        gc.enable()
        out.append({"name": name, "samples_ms": samples, "cpu_ms": cpu,
                    "full_gc_per_100": 100 * full / rounds, "cyclic_garbage": garbage,
                    "queries": len(captured.captured_queries),
                    "nodes": json.dumps(result.data).count('"node"')})
    out.append(floor(rounds, queries))
    print(json.dumps(out))


def floor(rounds: int, queries: dict) -> dict:
    """graphql-core alone on the portfolio page's answer (bench.api_queries.FLOOR_SDL)."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from graphql import build_schema, graphql_sync

    from api.schema import schema as api_schema
    from bench.api_queries import FLOOR_SDL

    query, variables = queries["portfolios: 100 municipalities, all usages, software, vendor"]
    schema = build_schema(FLOOR_SDL)
    # The answer as the real API gives it, for the anonymous viewer.
    request = RequestFactory().post("/graphql")
    request.user, request.api_token = AnonymousUser(), None
    data = api_schema.execute(query, variable_values=variables, context_value=request).data
    samples, cpu = [], []
    for index in range(3 + rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = graphql_sync(schema, query, root_value=data, variable_values=variables)
        if index >= 3:
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    if result.errors or result.data != data:
        raise SystemExit(f"floor query differs: {result.errors}")
    return {"name": "floor: graphql-core alone, same page from dicts", "samples_ms": samples,
            "cpu_ms": cpu, "queries": 0, "nodes": json.dumps(data).count('"node"')}


if __name__ == "__main__":
    main()
