"""Graph fixtures for every test package (a pytest plugin registered in tests/conftest.py):
the tests that need the graph run on a real engine, a private embedded FalkorDB started once
for the whole run in a temporary directory (and stopped after it), or the Neo4j server named
by NEO4J_URI. Defined here once, not imported into package conftests: each import would be
a fixture of its own and start an engine of its own.

Against Neo4j the tests clear the configured database: point NEO4J_URI at a disposable one.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from graph import client


@pytest.fixture(scope="session")
def graph_engine(tmp_path_factory):
    """The session's private embedded engine (None when the tests run against Neo4j)."""
    if settings.NEO4J_URI:
        yield None
        return
    engine = client.EmbeddedEngine(tmp_path_factory.mktemp("graph"))
    engine.ensure()
    yield engine
    engine.stop(save=False)


@pytest.fixture(scope="session")
def graph_backend(graph_engine):
    backend = (client.build_backend() if graph_engine is None
               else client.FalkorBackend(graph_engine, "test", autostart=False))
    previous = client.set_backend(backend)
    yield backend
    client.set_backend(previous)
    backend.close()


@pytest.fixture
def graph(graph_backend, db):
    """An empty graph with its schema, as the process's backend, for one test (set again for
    each test: fixtures such as tests/web's `graph_offline` set a backend of their own for
    the tests that do not ask for the graph)."""
    graph_backend.clear()
    graph_backend.setup_schema()
    previous = client.set_backend(graph_backend)
    yield graph_backend
    client.set_backend(previous)
