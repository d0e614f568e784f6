"""The projection: rebuild, the outbox consumer after commit, drift detection, and the
graph catching up after the engine was down."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from graph import check, discovery, projection, similarity
from hub import outbox, services
from hub.models import (
    Collaboration,
    Membership,
    Municipality,
    MunicipalityKind,
    Organization,
    OrganizationKind,
    OutboxCursor,
    Service,
    Software,
    SoftwareCategory,
    Usage,
    UsageStatus,
    Visibility,
)
from tests.graph import data, oracle


def _assert_no_drift() -> None:
    report = check.check()
    assert report.ok, report.summary() + "".join(
        f"\n{d.kind}: missing {d.missing[:3]} extra {d.extra[:3]} different {d.different[:2]}"
        for d in report.drifts)


def _change_everything(seed: int = 1) -> set[int]:
    """Writes through the services and plain ORM saves (admin, shell); returns the
    municipalities whose usages changed."""
    actor = None
    municipalities = list(Municipality.objects.exclude(kind=MunicipalityKind.KREIS).order_by("ags"))
    kreise = list(Municipality.objects.filter(kind=MunicipalityKind.KREIS).order_by("ags"))
    software = list(Software.objects.order_by("slug"))
    service = Service.objects.filter(kind="ozg").order_by("pk").first()
    first, second, third = municipalities[:3]
    used = set(Usage.objects.filter(municipality=first).values_list("software_id", flat=True))
    new_product = next(s for s in software if s.pk not in used)
    created = services.usage_create(actor=actor, municipality=first, software=new_product,
                                    status=UsageStatus.PRODUCTION, satisfaction=5,
                                    services=[service])
    planned = Usage.objects.filter(status=UsageStatus.PLANNED).order_by("pk").first()
    services.usage_update(actor=actor, usage=planned, status=UsageStatus.PRODUCTION)
    running = Usage.objects.filter(municipality=second, status=UsageStatus.PRODUCTION).order_by("pk")
    services.usage_retire(actor=actor, usage=running[0], until=dt.date(2025, 6, 1),
                          successor=next(s for s in software if s.pk != running[0].software_id))
    services.usage_delete(actor=actor, usage=running[1])
    running[2].services.set([service])
    hidden = Usage.objects.filter(municipality=third, visibility=Visibility.PUBLIC).first()
    hidden.visibility = Visibility.MEMBERS
    hidden.save()
    services.municipality_update(actor=actor, municipality=second, population=750_000,
                                 parent=kreise[-1])
    provider = Organization.objects.filter(kind=OrganizationKind.IT_PROVIDER).order_by("pk").first()
    services.membership_create(actor=actor, organization=provider, member_municipality=third)
    Membership.objects.filter(member_organization__isnull=False).first().delete()
    collaboration = Collaboration.objects.order_by("pk").first()
    services.collaboration_update(actor=actor, collaboration=collaboration,
                                  municipalities=[first, third], visibility=Visibility.MEMBERS)
    category = SoftwareCategory.objects.exclude(pk=software[0].category_id).first()
    services.software_update(actor=actor, software=software[0], category=category)
    Service.objects.filter(kind="leika").order_by("pk").first().delete()
    Organization.objects.filter(kind=OrganizationKind.IT_PROVIDER).order_by("-pk").first().delete()
    return {first.pk, second.pk, third.pk, planned.municipality_id, created.municipality_id}


def test_rebuild_mirrors_the_database(graph):
    data.generate(1)
    report = projection.rebuild()
    assert report.counts["usage"] == Usage.objects.count()
    _assert_no_drift()


def test_rebuild_twice_gives_the_same_graph(graph):
    data.generate(2)
    projection.rebuild()
    first = {pk: discovery.similar(pk) for pk in Municipality.objects.values_list("pk", flat=True)}
    counts = graph.read("MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS n")
    projection.rebuild()
    _assert_no_drift()
    assert sorted(counts, key=repr) == sorted(
        graph.read("MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS n"), key=repr)
    assert first == {pk: discovery.similar(pk) for pk in first}
    similarity.run()  # the full job on the live graph replaces every list, duplicates none
    assert first == {pk: discovery.similar(pk) for pk in first}


def test_consumer_applies_changes_incrementally(graph):
    data.generate(1)
    projection.rebuild()
    rebuilt_at = projection.read_meta(graph, "projection")["rebuilt_at"]
    changed = _change_everything()
    assert projection.sync() > 0
    assert outbox.backlog()[projection.CONSUMER]["pending"] == 0
    assert projection.read_meta(graph, "projection")["rebuilt_at"] == rebuilt_at  # no rebuild
    _assert_no_drift()
    world = oracle.World.load()
    for pk in changed:  # rows of municipalities whose usages changed are recomputed at once
        hits = discovery.similar(pk, first=10)
        assert [(h.municipality, h.units, h.shared_software) for h in hits] == \
            world.similar(pk, first=10)


def test_applying_the_same_events_twice_changes_nothing(graph):
    data.generate(3)
    projection.rebuild()
    _change_everything()
    projection.sync()
    events = [outbox.Event(e.id, e.entity, e.entity_id, e.op, e.payload)
              for e in outbox_events_since(0) if e.op != outbox.REBUILD]
    projection.consume(events)
    projection.consume(list(reversed(events)))
    _assert_no_drift()


def outbox_events_since(event_id: int):
    from hub.models import OutboxEvent

    return list(OutboxEvent.objects.filter(id__gt=event_id).order_by("id"))


def test_check_reports_drift(graph):
    data.generate(1)
    projection.rebuild()
    usage = Usage.objects.order_by("pk").first()
    Usage.objects.filter(pk=usage.pk).update(satisfaction=1 if usage.satisfaction != 1 else 2)
    graph.write("MATCH (m:Municipality) WITH m LIMIT 1 DETACH DELETE m")
    report = check.check()
    kinds = {d.kind for d in report.drifts}
    assert {"USES", "Municipality"} <= kinds
    uses = next(d for d in report.drifts if d.kind == "USES")
    assert any(key == (usage.pk,) for key, _db, _graph in uses.different)


def test_bulk_load_rebuild_event_rebuilds_the_graph(graph):
    data.generate(2)
    projection.sync()
    assert outbox.backlog()[projection.CONSUMER]["pending"] == 0
    _assert_no_drift()
    assert similarity.status()["computed_at"] is not None


def test_graph_that_lost_its_data_is_rebuilt_on_the_next_event(graph):
    data.generate(1)
    projection.rebuild()
    graph.clear()  # e.g. the engine came back from an older snapshot, or a new one
    services.municipality_update(actor=None, municipality=Municipality.objects.first(),
                                 population=1234)
    projection.sync()
    _assert_no_drift()


@pytest.mark.django_db(transaction=True)
def test_writes_succeed_while_the_engine_is_down_and_the_graph_catches_up(graph, graph_engine):
    if graph_engine is None:
        pytest.skip("stops the embedded engine; a Neo4j server is not ours to stop")
    data.generate(1)  # committed: the consumer rebuilds the graph right after commit
    _assert_no_drift()
    graph_engine.stop()
    try:
        _change_everything()  # every write commits although the graph is unreachable
        waiting = outbox.backlog()[projection.CONSUMER]
        assert waiting["pending"] > 0 and "unavailable" in waiting["last_error"]
        assert OutboxCursor.objects.get(consumer=projection.CONSUMER).failures > 0
    finally:
        graph_engine.ensure()
    # As the graph_sync worker does: retry until caught up (a restarted engine's first call
    # may time out on a loaded machine), a bounded number of times.
    applied = 0
    for _ in range(10):
        applied += projection.sync()
        if outbox.backlog()[projection.CONSUMER]["pending"] == 0:
            break
        time.sleep(1)
    assert applied > 0, OutboxCursor.objects.get(consumer=projection.CONSUMER).last_error
    assert outbox.backlog()[projection.CONSUMER]["pending"] == 0
    _assert_no_drift()


@pytest.mark.django_db(transaction=True)
def test_full_similarity_job_reruns_in_the_background_after_enough_changes(graph, settings):
    settings.GRAPH_SIMILARITY_RERUN_AFTER = 3
    with transaction.atomic():  # one commit: the consumer rebuilds once, afterwards
        data.generate(2)
    before = similarity.status()["computed_at"]
    municipalities = list(Municipality.objects.exclude(kind=MunicipalityKind.KREIS)[:3])
    for municipality in municipalities:
        usage = Usage.objects.filter(municipality=municipality, status=UsageStatus.PRODUCTION).first()
        services.usage_retire(actor=AnonymousUser(), usage=usage)
    similarity.wait_background(timeout=60)
    status = similarity.status()
    assert status["changes"] == 0 and status["computed_at"] >= before
    world = oracle.World.load()
    for pk in world.municipalities:  # every row is fresh again, not only the changed ones
        hits = discovery.similar(pk, first=10)
        assert [(h.municipality, h.units, h.shared_software) for h in hits] == \
            world.similar(pk, first=10)
