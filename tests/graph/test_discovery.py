"""Every discovery read against an answer computed independently in plain Python from the
relational data (tests/graph/oracle.py), on generated data sets from several seeds: the
full rankings, scores included."""

from __future__ import annotations

import random

import pytest

from graph import discovery, projection
from hub.models import Municipality, Service, Software
from tests.graph import data, oracle

SEEDS = [1, 2, 3]


@pytest.fixture(params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def generated(request, graph) -> oracle.World:
    data.generate(request.param)
    projection.rebuild()
    return oracle.World.load()


def _similar(hits):
    return [(h.municipality, h.units, h.shared_software) for h in hits]


def test_similar_ranks_like_the_oracle(generated):
    for pk in generated.municipalities:
        assert _similar(discovery.similar(pk, first=10)) == generated.similar(pk, first=10)


def test_similar_with_filters_ranks_like_the_oracle(generated):
    variants = [{"same_state": True}, {"same_kind": True}, {"population_band": "same"},
                {"population_band": "lt5k"}, {"same_state": True, "same_kind": True}]
    for pk in generated.municipalities:
        for filters in variants:
            expected = generated.similar(pk, first=10, **filters)
            assert _similar(discovery.similar(pk, first=10, **filters)) == expected, filters


def test_similar_beyond_the_stored_top_50_is_computed_on_the_fly(generated):
    for pk in list(generated.municipalities)[:20]:
        assert _similar(discovery.similar(pk, first=70)) == generated.similar(pk, first=70)


def test_similar_on_the_fly_agrees_with_the_stored_ranking(generated):
    for pk in generated.municipalities:
        stored = discovery.similar(pk, first=20)
        assert discovery.similar_on_the_fly(pk, first=20) == stored


@pytest.mark.parametrize("members", [False, True])
def test_recommendations_rank_like_the_oracle(generated, members):
    for pk in generated.municipalities:
        hits = discovery.recommendations(pk, first=10, members=members)
        assert [(h.software, h.units, h.used_by, h.average_satisfaction) for h in hits] == \
            generated.recommendations(pk, first=10, members=members)


@pytest.mark.parametrize("members", [False, True])
def test_used_by_lists_like_the_oracle(generated, members):
    kreise = [m for m in generated.municipalities.values() if m.kind == "kreis"]
    services = list(Service.objects.values_list("pk", flat=True))
    for software in generated.software:
        variants = [{}, {"statuses": ["planned", "evaluating", "retired"]},
                    {"state": kreise[0].state.code}, {"kreis": kreise[0].pk},
                    {"service": services[0]}, {"service": services[-1]}]
        for filters in variants:
            hits = discovery.used_by(software, members=members, **filters)
            assert [(h.municipality, h.usage, h.status) for h in hits] == \
                generated.used_by(software, members=members, **filters), filters


@pytest.mark.parametrize("members", [False, True])
def test_used_with_ranks_by_lift_like_the_oracle(generated, members):
    for software in generated.software:
        hits = discovery.used_with(software, first=10, members=members)
        assert [(h.software, h.lift, h.together, h.users) for h in hits] == \
            generated.used_with(software, first=10, members=members)


@pytest.mark.parametrize("members", [False, True])
def test_offered_by_lists_like_the_oracle(generated, members):
    for service in Service.objects.values_list("pk", flat=True):
        hits = discovery.offered_by(service, members=members)
        assert [(h.municipality, h.software, h.usages) for h in hits] == \
            generated.offered_by(service, members=members)


@pytest.mark.parametrize("members", [False, True])
def test_migration_paths_count_like_the_oracle(generated, members):
    for software in generated.software:
        away = discovery.replaced_by(software, members=members)
        towards = discovery.replaces(software, members=members)
        assert [(h.software, h.count, h.municipalities) for h in away] == \
            generated.migrations(software, towards=False, members=members)
        assert [(h.software, h.count, h.municipalities) for h in towards] == \
            generated.migrations(software, towards=True, members=members)


@pytest.mark.parametrize("members", [False, True])
def test_planned_by_orders_like_the_oracle(generated, members):
    viewers = [None, *random.Random(7).sample(sorted(generated.municipalities), 4)]
    for software in generated.software:
        for viewer in viewers:
            hits = discovery.planned_by(software, viewer=viewer, members=members)
            assert [(h.municipality, h.usage, h.joint_procurement, h.nearness) for h in hits] == \
                generated.planned_by(software, viewer=viewer, members=members)


@pytest.mark.parametrize("members", [False, True])
def test_connections_find_the_oracles_shortest_paths(generated, members):
    rng = random.Random(11)
    pks = sorted(generated.municipalities)
    pairs = [tuple(rng.sample(pks, 2)) for _ in range(40)]
    found_longer = False
    for source, target in pairs:
        for max_hops in (1, 2, 3):
            hits = discovery.connections(source, target, max_hops=max_hops, first=10,
                                         members=members)
            expected = generated.connections(source, target, max_hops=max_hops, first=10,
                                             members=members)
            assert [(tuple(h.relationships), tuple(h.nodes)) for h in hits] == expected
            found_longer |= any(len(h.relationships) > 2 for h in hits)
    assert found_longer or members, "the data should need some introductions via a third party"


def test_connections_of_a_municipality_to_itself_are_empty(generated):
    pk = next(iter(generated.municipalities))
    assert discovery.connections(pk, pk) == []


def test_unknown_municipality_has_no_neighbours(graph):
    assert discovery.similar(987654) == []
    assert discovery.recommendations(987654) == []


def test_discovery_rejects_out_of_range_arguments(graph):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as first:
        discovery.similar(1, first=0)
    assert first.value.error_dict["first"][0].code == "OUT_OF_RANGE"
    with pytest.raises(ValidationError) as hops:
        discovery.connections(1, 2, max_hops=4)
    assert hops.value.error_dict["max_hops"][0].code == "OUT_OF_RANGE"
    with pytest.raises(ValidationError) as band:
        discovery.similar(1, population_band="huge")
    assert band.value.error_dict["population_band"][0].code == "INVALID"


def test_generated_data_exercise_every_read(generated):
    """Guard against vacuous comparisons: the data sets produce non-empty answers."""
    assert any(generated.similar(pk) for pk in generated.municipalities)
    assert any(generated.offered_by(s) for s in Service.objects.values_list("pk", flat=True))
    assert any(generated.migrations(s, towards=False) for s in generated.software)
    assert any(generated.planned_by(s) for s in generated.software)
    assert any(generated.used_with(s) for s in generated.software)
    assert Municipality.objects.filter(usages__visibility="members").exists()
    assert Software.objects.exists()
