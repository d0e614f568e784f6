"""The bulk path must give the same rows as the per-row service path."""

import datetime as dt

import pytest

from exchange import inventory
from exchange import report as rp
from exchange.inventory import inventory_import
from hub.models import OutboxEvent, Service, Usage, UsageStatus
from tests import factories

HEADER = "AGS;Produkt;Status;seit;Leistungen;betrieben von;Zufriedenheit;Anmerkungen\n"


@pytest.fixture
def setting(world):
    products = [factories.SoftwareFactory(name=f"Produkt {n}", slug=f"p-{n}") for n in range(4)]
    services = [factories.ServiceFactory(ozg_id=f"1010{n}") for n in range(2)]
    second = factories.MunicipalityFactory(ags="05158008", name="Haan, Stadt", parent=world.kreis)
    existing = factories.UsageFactory(municipality=world.own, software=products[0],
                                      status=UsageStatus.PILOT, notes="alt")
    existing.services.set([services[0]])
    retired = factories.UsageFactory(municipality=second, software=products[1],
                                     status=UsageStatus.RETIRED, until=dt.date(2020, 1, 1))
    return {"products": products, "second": second, "existing": existing, "retired": retired}


def rows_text(world, setting) -> str:
    own, second = world.own.ags, setting["second"].ags
    return HEADER + "".join([
        f"{own};Produkt 0;im Einsatz;2018;10100 | 10101;KRZN;4;neu\n",
        f"{own};Produkt 1;geplant;;;;;\n",
        f"{own};Produkt 2;abgelöst;2010;;;2;weg\n",
        f"{second};Produkt 1;abgelöst;;;;;\n",
        f"{second};Produkt 3;Pilot;2023-02-01;10101;;5;\n",
    ])


def snapshot() -> list[tuple]:
    return sorted(
        (u.municipality.ags, u.software.slug, u.status, u.since, u.until, u.operated_by_id,
         u.satisfaction, u.notes, u.source, u.is_confirmed, u.source_file,
         tuple(sorted(s.ozg_id for s in u.services.all())))
        for u in Usage.objects.select_related("municipality", "software"))


def run(world, actor, text, bulk: bool, monkeypatch) -> rp.Report:
    monkeypatch.setattr(inventory, "BULK_ABOVE", -1 if bulk else 10_000)
    return inventory_import(actor=actor, municipality=None, data=text.encode(),
                            filename="provider.csv", dry_run=False)


@pytest.mark.parametrize("actor_name", ["own_editor", "provider_editor", "moderator"])
def test_bulk_path_writes_the_same_rows_as_the_services(world, setting, monkeypatch, request,
                                                       actor_name):
    actor = request.getfixturevalue(actor_name)
    text = rows_text(world, setting)
    report = run(world, actor, text, bulk=False, monkeypatch=monkeypatch)
    assert report.applied, report.render()
    by_services = snapshot()
    actions = sorted((r.row, r.action) for r in report.rows)
    Usage.objects.all().delete()
    setting = {**setting, "existing": factories.UsageFactory(
        municipality=world.own, software=setting["products"][0], status=UsageStatus.PILOT,
        notes="alt")}
    setting["existing"].services.set(Service.objects.filter(ozg_id="10100"))
    factories.UsageFactory(municipality=setting["second"], software=setting["products"][1],
                           status=UsageStatus.RETIRED, until=dt.date(2020, 1, 1))
    bulk = run(world, actor, text, bulk=True, monkeypatch=monkeypatch)
    assert bulk.applied, bulk.render()
    assert snapshot() == by_services
    # Large files keep only the changed, rejected and flagged rows in the report.
    assert sorted((r.row, r.action) for r in bulk.rows) == [a for a in actions if a[1] == rp.UPDATED]
    assert bulk.counts == report.counts


def test_bulk_path_is_all_or_nothing_and_idempotent(world, setting, monkeypatch, own_editor):
    text = rows_text(world, setting)
    broken = text + f"{world.own.ags};Produkt 3;irgendwie;;;;;\n"
    report = run(world, own_editor, broken, bulk=True, monkeypatch=monkeypatch)
    rejected = [r for r in report.rows if r.action == rp.REJECTED]
    assert not report.applied and [(r.row, r.issues[0].field) for r in rejected] == [(7, "status")]
    assert Usage.objects.count() == 2
    run(world, own_editor, text, bulk=True, monkeypatch=monkeypatch)
    events = OutboxEvent.objects.filter(entity="usage").count()
    again = run(world, own_editor, text, bulk=True, monkeypatch=monkeypatch)
    assert again.counts[rp.UNCHANGED] == 5 and again.counts[rp.CREATED] == 0
    assert OutboxEvent.objects.filter(entity="usage").count() == events
    assert Usage.history.filter(history_type="+").count() >= 3


def test_rows_for_unknown_or_foreign_municipalities_are_rejected(world, setting, own_editor):
    text = "AGS;Produkt\n99999999;Produkt 0\n05117000;Produkt 1\n;Produkt 2\n"
    report = inventory_import(actor=own_editor, municipality=world.own, data=text.encode(),
                              filename="x.csv", dry_run=True)
    fields = [(r.row, r.issues[0].field, r.issues[0].code) for r in report.rows[:2]]
    assert fields[0] == (2, "municipality", rp.UNMATCHED)
    assert fields[1] == (3, "municipality", "INVALID")
    assert report.rows[2].action == rp.CREATED  # no AGS: the file's municipality
    report = inventory_import(actor=own_editor, municipality=None, data=text.encode(),
                              filename="x.csv", dry_run=True)
    assert report.rows[2].issues[0].code == rp.REQUIRED
