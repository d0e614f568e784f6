"""Every query of the Cypher catalogue runs on the engine under test (the embedded FalkorDB,
or Neo4j when NEO4J_URI is set): a scenario drives rebuild, the consumer, the similarity job,
every discovery read and graph_check, and a recording backend notes which texts were sent."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.conf import settings

from graph import check, client, cypher, discovery, health, projection, similarity
from hub import services
from hub.models import (
    Collaboration,
    Municipality,
    MunicipalityKind,
    Service,
    Software,
    SoftwareCategory,
    State,
)
from tests.graph import data
from tests.graph.test_projection import _change_everything

SCHEMA = {"SCHEMA_FALKORDB", "KEYS_FALKORDB", "SCHEMA_NEO4J", "UNIQUE_FALKORDB"}


def catalogue() -> dict[str, str]:
    return {name: value for name, value in vars(cypher).items()
            if name.isupper() and isinstance(value, str) and name not in SCHEMA}


class Recording:
    """Passes everything to the real backend and remembers the query texts."""

    def __init__(self, inner, seen: set[str]) -> None:
        self.inner, self.seen, self.engine = inner, seen, inner.engine

    def read(self, query, params=None):
        self.seen.add(query)
        return self.inner.read(query, params)

    def write(self, query, params=None):
        self.seen.add(query)
        return self.inner.write(query, params)

    def setup_schema(self) -> None:
        self.inner.setup_schema()

    def clear(self) -> None:
        self.inner.clear()

    @contextlib.contextmanager
    def rebuilding(self) -> Iterator[Recording]:
        with self.inner.rebuilding() as staging:
            yield Recording(staging, self.seen)

    def memory_bytes(self):
        return self.inner.memory_bytes()

    def close(self) -> None:
        pass


def test_every_catalogue_query_runs_on_the_engine(graph):
    seen: set[str] = set()
    previous = client.set_backend(Recording(graph, seen))
    try:
        _scenario()
    finally:
        client.set_backend(previous)
    graph.write(cypher.DELETE_SOME_NODES, {"limit": 1})  # Neo4j's clear(), valid on both
    seen.add(cypher.DELETE_SOME_NODES)
    missing = sorted(name for name, text in catalogue().items() if text not in seen)
    assert missing == []


def test_schema_set_up_is_idempotent(graph):
    graph.setup_schema()
    graph.setup_schema()
    graph.write(cypher.MERGE_MUNICIPALITIES, {"rows": [
        {"pk": 1, "state_pk": 1, "parent": None, "props": {"ags": "05158004"}}]})
    assert graph.read(cypher.MATCH_MUNICIPALITY_STATE, {"pk": 1})


def _scenario() -> None:
    data.generate(1)
    projection.rebuild()
    _change_everything()
    projection.sync()
    # deletions of every kind of node
    unused = SoftwareCategory.objects.filter(software__isnull=True).first()
    product = services.software_create(actor=None, name="Wegwerf", slug="wegwerf",
                                       category=SoftwareCategory.objects.first())
    projection.sync()
    product.delete()
    unused.delete()
    Collaboration.objects.order_by("pk").last().delete()
    gemeinde = Municipality.objects.filter(kind=MunicipalityKind.GEMEINDE).order_by("-ags").first()
    gemeinde.delete()
    projection.sync()
    similarity.run()
    newcomer = Municipality.objects.create(ags="05999001", name="Neustadt", kind="stadt",
                                           state=State.objects.get(code="05"))
    projection.sync()

    municipality = Municipality.objects.filter(usages__isnull=False).order_by("ags").first()
    other = Municipality.objects.exclude(pk=municipality.pk).order_by("-ags").first()
    software = Software.objects.filter(usages__isnull=False).order_by("slug").first()
    service = Service.objects.filter(kind="ozg").order_by("pk").first()
    discovery.similar(municipality.pk)
    discovery.similar(municipality.pk, first=70)
    discovery.similar_on_the_fly(municipality.pk)
    discovery.recommendations(municipality.pk, members=True)
    discovery.recommendations(newcomer.pk)  # no stored list yet: neighbours on the fly
    discovery.used_by(software.pk, service=service.pk)
    discovery.used_with(software.pk)
    discovery.offered_by(service.pk)
    discovery.replaced_by(software.pk)
    discovery.replaces(software.pk)
    discovery.planned_by(software.pk, viewer=municipality.pk)
    discovery.connections(municipality.pk, other.pk)
    discovery.connections(municipality.pk, other.pk, members=True)
    discovery.connections(newcomer.pk, other.pk)  # no shared intermediary: shortest paths
    discovery.connections(newcomer.pk, other.pk, members=True)
    check.check()
    assert health.check_graph() == (True, {"engine": "neo4j" if settings.NEO4J_URI else "embedded"})
