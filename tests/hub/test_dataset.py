"""generate_dataset: sizes, reproducibility and the model's rules at small scale."""

import pytest
from django.db import transaction
from django.db.models import Count, F, Q

from hub import dataset
from hub.demo.geography import load_states
from hub.models import (
    Municipality,
    MunicipalityKind,
    OutboxEvent,
    Software,
    Usage,
    UsageStatus,
)

SMALL = {"municipalities": 300, "software": 50, "usages_per_municipality": 10}


def _snapshot() -> dict[str, list]:
    return {
        "municipalities": list(Municipality.objects.order_by("ags").values_list(
            "ags", "ars", "name", "kind", "parent__ags", "population", "latitude")),
        "software": list(Software.objects.order_by("slug").values_list(
            "slug", "category__slug", "vendor__slug", "licence")),
        "usages": list(Usage.objects.order_by("municipality__ags", "software__slug").values_list(
            "municipality__ags", "software__slug", "status", "since", "until", "successor__slug",
            "satisfaction", "operated_by__slug", "target_date", "is_confirmed")),
    }


def _generate_and_roll_back(*, seed: int) -> dict[str, list]:
    with transaction.atomic():
        dataset.generate(**SMALL, seed=seed, progress=False)
        snapshot = _snapshot()
        transaction.set_rollback(True)
    return snapshot


@pytest.mark.django_db
def test_it_generates_the_requested_sizes():
    counts = dataset.generate(**SMALL, seed=1, progress=False)

    gemeinden = Municipality.objects.exclude(kind=MunicipalityKind.KREIS)
    kreise = Municipality.objects.filter(kind=MunicipalityKind.KREIS)
    assert gemeinden.count() == 300
    assert counts["municipalities"] == 300 + kreise.count()
    assert Software.objects.count() == 50
    assert Usage.objects.count() == counts["usages"] == counts["municipalities"] * 10
    assert not Municipality.objects.filter(is_demo=False).exists()
    assert not gemeinden.filter(parent__isnull=True).exclude(
        kind=MunicipalityKind.KREISFREIE_STADT).exists()
    assert OutboxEvent.objects.filter(op="rebuild", payload__reason="generate_dataset").exists()


@pytest.mark.django_db
def test_generated_records_start_their_history_with_the_generation():
    dataset.generate(**SMALL, seed=1, progress=False)

    for model in (Municipality, Software, Usage):
        assert model.history.filter(history_type="+", history_change_reason="generate_dataset",
                                    history_user__isnull=True).count() == model.objects.count()
    usage = Usage.objects.order_by("pk").last()
    assert usage.history.get().status == usage.status


@pytest.mark.django_db
def test_it_is_reproducible_with_the_same_seed():
    first = _generate_and_roll_back(seed=7)
    assert first == _generate_and_roll_back(seed=7)
    assert first["usages"] != _generate_and_roll_back(seed=8)["usages"]


@pytest.mark.django_db
def test_it_satisfies_the_model_rules():
    dataset.generate(**SMALL, seed=3, progress=False)

    active = Usage.objects.exclude(status=UsageStatus.RETIRED)
    assert not active.values("municipality", "software").annotate(n=Count("id")).filter(
        n__gt=1).exists()
    assert not Usage.objects.filter(successor__isnull=False).exclude(
        status=UsageStatus.RETIRED).exists()
    assert not Usage.objects.filter(until__lt=F("since")).exists()
    assert not Usage.objects.filter(successor=F("software")).exists()
    assert Usage.objects.filter(status=UsageStatus.RETIRED, successor__isnull=False).exists()
    assert not Usage.objects.filter(Q(satisfaction__lt=1) | Q(satisfaction__gt=5)).exists()
    for municipality in Municipality.objects.select_related("state")[:200]:
        municipality.full_clean()
    for usage in Usage.objects.all()[:300]:
        usage.full_clean()


@pytest.mark.django_db
def test_it_refuses_a_database_that_already_holds_municipalities():
    state = load_states()["05"]
    Municipality.objects.create(ags="05117000", name="Mülheim an der Ruhr", state=state,
                                kind=MunicipalityKind.KREISFREIE_STADT)
    with pytest.raises(dataset.DatabaseNotEmpty):
        dataset.generate(**SMALL, seed=1, progress=False)
