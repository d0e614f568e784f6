"""A page's model instances are freed by reference counting when the request ends.

Django's prefetch links each row of a list back to its parent while the parent holds the
list; left alone, a page of 100 portfolios was one reference cycle of thousands of instances
that only full garbage collections freed (18-33 ms every few requests, bench/bench_api.py).
`api.optimize.release` drops the lists after execution; these tests catch a new cycle."""

from __future__ import annotations

import gc

from django.db import models

from tests.api.conftest import data_of
from tests.api.test_query_counts import CATALOGUE, NETWORK, PORTFOLIOS, _hub


def _cyclic_model_garbage(api, query: str) -> tuple[dict, list[models.Model]]:
    """The answer, and the model instances one request left unreachable in reference cycles
    (the collector runs only at the end: disabled during the request, everything collectable
    before it collected)."""
    api(query)  # warm-up: query caches, translations, lazy imports
    gc.collect()
    gc.disable()
    try:
        body = api(query)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        # type(), not isinstance(): the garbage holds lazy objects (the CSP nonce) that
        # isinstance would evaluate.
        leaked = [obj for obj in gc.garbage if issubclass(type(obj), models.Model)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return body, leaked


def test_a_portfolio_page_leaves_no_model_instances_in_reference_cycles(api, db):
    _hub(8)
    body, leaked = _cyclic_model_garbage(api, PORTFOLIOS)
    nodes = data_of(body)["municipalities"]["edges"]
    assert len(nodes) == 8
    assert all(node["node"]["usages"]["edges"] for node in nodes)
    assert leaked == []


def test_nested_lists_in_catalogue_and_network_pages_leave_no_cycles_either(api, db):
    _hub(6)
    for query in (CATALOGUE, NETWORK):
        body, leaked = _cyclic_model_garbage(api, query)
        assert "errors" not in body
        assert leaked == []
