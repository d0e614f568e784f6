"""Outbox pruning: applied events older than the retention go; an event some consumer has
not applied yet stays, however old."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub import outbox
from hub.models import OutboxCursor, OutboxEvent
from tests import factories

SEARCH = "tests.hub.test_outbox.search_consumer"
GRAPH = "tests.hub.test_outbox.graph_consumer"
graph_down = {"now": False}
seen: dict[str, list[int]] = {SEARCH: [], GRAPH: []}


def search_consumer(events) -> None:
    seen[SEARCH].extend(e.id for e in events)


def graph_consumer(events) -> None:
    if graph_down["now"]:
        raise ConnectionError("graph engine unreachable")
    seen[GRAPH].extend(e.id for e in events)


@pytest.fixture
def consumers(settings, db):
    settings.OUTBOX_CONSUMERS = [SEARCH, GRAPH]
    settings.OUTBOX_APPLY_ON_COMMIT = False
    graph_down["now"] = False
    for ids in seen.values():
        ids.clear()
    yield
    graph_down["now"] = False


def _age_all(days: float) -> None:
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(days=days))


def _ids() -> set[int]:
    return set(OutboxEvent.objects.values_list("id", flat=True))


def test_prune_deletes_applied_events_older_than_the_retention(consumers):
    factories.SoftwareFactory()
    outbox.apply_pending()
    _age_all(8)

    assert outbox.prune(keep_days=7) > 0
    assert not OutboxEvent.objects.exists()


def test_prune_keeps_events_a_failing_consumer_has_not_applied(consumers):
    factories.SoftwareFactory()
    outbox.apply_pending()
    applied_by_both = _ids()
    graph_down["now"] = True
    factories.MunicipalityFactory()
    outbox.apply_pending()
    waiting_for_graph = _ids() - applied_by_both
    _age_all(30)

    assert OutboxCursor.objects.get(consumer=GRAPH).failures == 1
    assert outbox.prune(keep_days=7) == len(applied_by_both)
    assert _ids() == waiting_for_graph

    graph_down["now"] = False
    outbox.apply_pending()
    assert set(seen[GRAPH]) >= waiting_for_graph
    outbox.prune(keep_days=7)
    assert not OutboxEvent.objects.exists()


def test_prune_keeps_everything_while_a_consumer_has_never_run(consumers):
    factories.SoftwareFactory()
    outbox.apply_pending(only=SEARCH)
    _age_all(30)
    before = _ids()

    assert outbox.prune(keep_days=7) == 0
    assert _ids() == before


def test_prune_keeps_applied_events_younger_than_the_retention(consumers, settings):
    factories.SoftwareFactory()
    outbox.apply_pending()
    _age_all(8)
    factories.MunicipalityFactory()
    outbox.apply_pending()
    recent = set(OutboxEvent.objects.filter(
        created_at__gt=timezone.now() - timedelta(days=1)).values_list("id", flat=True))
    settings.OUTBOX_RETENTION_DAYS = 7

    assert outbox.prune() > 0
    assert recent and _ids() == recent


def test_prune_deletes_in_batches_without_leaving_rows(consumers):
    for _ in range(3):
        factories.SoftwareFactory()
    outbox.apply_pending()
    _age_all(8)
    total = OutboxEvent.objects.count()

    assert outbox.prune(keep_days=7, batch=2) == total > 2
    assert not OutboxEvent.objects.exists()


def test_prune_schedule_prunes_at_most_once_per_interval(consumers):
    factories.SoftwareFactory()
    outbox.apply_pending()
    _age_all(8)
    schedule = outbox.PruneSchedule(interval=60)

    assert schedule(now=1000.0) > 0
    factories.MunicipalityFactory()
    outbox.apply_pending()
    _age_all(8)
    assert schedule(now=1059.0) is None
    assert OutboxEvent.objects.exists()
    assert schedule(now=1060.0) > 0
    assert not OutboxEvent.objects.exists()


def test_prune_schedule_with_interval_zero_never_prunes(consumers):
    factories.SoftwareFactory()
    outbox.apply_pending()
    _age_all(30)

    assert outbox.PruneSchedule(interval=0)(now=1e9) is None
    assert OutboxEvent.objects.exists()
