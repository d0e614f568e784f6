"""load_demo: the real reference data, the sourced usages and the fictional demo layer."""

import datetime as dt

import pytest
from django.db.models import Count

from hub import demo
from hub.demo.fictional import Group, plan_group
from hub.demo.geography import short_name
from hub.demo.organizations import role_for
from hub.demo.software import vendor_name
from hub.demo.sync import german_slug, unique_slugs
from hub.models import (
    Collaboration,
    Contact,
    Membership,
    Municipality,
    MunicipalityKind,
    Organization,
    OutboxEvent,
    Service,
    ServiceKind,
    Software,
    State,
    Usage,
    UsageSource,
    UsageStatus,
)

METTMANN_TOWNS = {"Erkrath", "Haan", "Heiligenhaus", "Hilden", "Langenfeld (Rheinland)",
                  "Mettmann", "Monheim am Rhein", "Ratingen", "Velbert", "Wülfrath"}


def _counts() -> dict[str, object]:
    return {
        "states": State.objects.count(),
        "municipalities": dict(Municipality.objects.values_list("kind").annotate(Count("id"))),
        "services": dict(Service.objects.values_list("kind").annotate(Count("id"))),
        "organizations": Organization.objects.count(),
        "memberships": Membership.objects.count(),
        "software": Software.objects.count(),
        "usages": dict(Usage.objects.values_list("source").annotate(Count("id"))),
        "services_linked": Usage.services.through.objects.count(),
        "contacts": Contact.objects.count(),
        "collaborations": Collaboration.objects.count(),
    }


@pytest.mark.django_db
def test_loads_reference_and_demo_data_idempotently():
    demo.load()
    first = _counts()

    assert first["states"] == 16
    assert Municipality.objects.exclude(kind=MunicipalityKind.KREIS).count() == 11_004
    assert first["municipalities"][MunicipalityKind.KREIS] == 294
    assert first["services"] == {ServiceKind.OZG: 557, ServiceKind.LEIKA: 5_248}
    assert Software.objects.filter(is_demo=False).count() == 57

    kreis = Municipality.objects.get(ags="05158000")
    assert kreis.kind == MunicipalityKind.KREIS and kreis.short_name == "Kreis Mettmann"
    assert {m.short_name for m in kreis.children.all()} == METTMANN_TOWNS
    assert kreis.population == sum(m.population for m in kreis.children.all())
    assert not Municipality.objects.filter(kind=MunicipalityKind.KREISFREIE_STADT,
                                           parent__isnull=False).exists()
    assert Municipality.objects.get(ags="05117000").parent is None

    real = Usage.objects.filter(source=UsageSource.PUBLIC_EVIDENCE)
    assert real.count() == 57
    assert not real.filter(source_url="").exists()
    assert not real.filter(is_confirmed=True).exists()
    assert not real.filter(is_demo=True).exists()
    ikiss = real.get(municipality__ags="01053116", software__slug="ikiss")
    assert ikiss.status == UsageStatus.RETIRED and ikiss.successor.name == "Session"

    fictional = Usage.objects.filter(source=UsageSource.DEMO)
    assert fictional.count() > 500
    assert not fictional.filter(is_demo=False).exists()
    assert not fictional.filter(last_confirmed_at__isnull=True).exists()
    assert fictional.filter(municipality=kreis, status=UsageStatus.RETIRED,
                            successor__slug="sap-kommunales-finanzwesen").exists()
    assert fictional.filter(status=UsageStatus.PLANNED, open_to_joint_procurement=True,
                            target_date__isnull=False).exists()
    assert fictional.filter(services__ozg_id="10092").exists()
    assert not Contact.objects.exclude(email__endswith="@example.org").exists()
    assert not Collaboration.objects.filter(is_demo=False).exists()

    krzn = Membership.objects.get(organization__slug="krzn", member_municipality=kreis)
    assert krzn.since == dt.date(2019, 1, 1) and krzn.source_url
    assert Membership.objects.filter(organization__slug="kdn").count() == 8
    assert OutboxEvent.objects.filter(op="rebuild", payload__reason="load_demo").exists()

    demo.load()
    assert _counts() == first


@pytest.mark.django_db
def test_bulk_loaded_records_start_their_history_with_the_load():
    demo.load()

    for model in (Municipality, Service, Organization, Membership, Software, Usage, Contact):
        recorded = model.history.values("id").distinct().count()
        assert recorded == model.objects.count() > 0, model.__name__
    usage = Usage.objects.filter(source=UsageSource.DEMO, services__isnull=False).first()
    initial = usage.history.get()
    assert (initial.history_type, initial.history_change_reason) == ("+", "load_demo")
    assert (initial.status, initial.software_id) == (usage.status, usage.software_id)
    assert ({row.service_id for row in initial.services.all()}
            == set(usage.services.values_list("pk", flat=True)))
    assert Municipality.objects.get(ags="05158004").history.get().short_name == "Erkrath"

    rows = {model: model.history.count() for model in (Municipality, Service, Usage)}
    demo.load()
    assert {model: model.history.count() for model in rows} == rows


def test_it_rejects_unknown_sections():
    with pytest.raises(demo.UnknownSection):
        demo.load(only=["gemeinden"])


def test_it_takes_the_name_before_the_first_comma():
    assert short_name(name="Erkrath, Fundort des Neanderthalers, Stadt") == "Erkrath"
    assert short_name(name="Bamberg") == "Bamberg"


def test_it_normalises_vendor_spellings():
    assert vendor_name(raw="Somacos GmbH & Co. KG (Salzwedel)") == "Somacos"
    assert vendor_name(raw="Somacos / Komm.ONE") == "Somacos"
    assert vendor_name(raw="INFOMA via ITEBO (Osnabrück)") == "Axians Infoma"
    assert vendor_name(raw="Axians Infoma GmbH (Ulm)") == "Axians Infoma"
    assert vendor_name(raw="(not stated in source)") == ""


def test_it_slugs_german_names_readably_and_uniquely():
    assert german_slug(text="Südwestfalen-IT (SIT)") == "suedwestfalen-it-sit"
    assert unique_slugs(names=["A b", "A-b"]) == {"A b": "a-b", "A-b": "a-b-2"}


def test_it_reads_the_membership_role_from_the_relation_text():
    assert role_for(relation="Kreis is Träger") == "carrier"
    assert role_for(relation="region served") == "client"
    assert role_for(relation="Kreis is Verbandsmitglied since 2019-01-01") == "member"


def test_it_plans_the_same_fictional_usages_for_the_same_municipality():
    def plans():
        kreis = Municipality(ags="05158000", kind=MunicipalityKind.KREIS, population=480_000)
        town = Municipality(ags="05158016", kind=MunicipalityKind.STADT, population=55_000)
        return plan_group(group=Group(unit=kreis, members=[kreis, town], provider=None))

    first, second = plans(), plans()
    assert first == second
    statuses = {p.status for ps in first.values() for p in ps}
    assert UsageStatus.RETIRED in statuses and UsageStatus.PRODUCTION in statuses
