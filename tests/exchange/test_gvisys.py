import datetime as dt

from exchange import report as rp
from exchange.gvisys import import_municipalities
from exchange.models import AdminArea, AdminAreaLevel
from hub.models import (
    Municipality,
    MunicipalityKind,
    OutboxEvent,
    State,
    Usage,
)
from tests import factories
from tests.exchange.conftest import shared

HEADER = ("satzart,textkennzeichen,land,rb,kreis,vb,gemeinde,gemeindename,flaeche,bevoelkerung,"
          "maennlich,weiblich,jekm2,postleitzahl,laengengrad,breitengrad,schluessel,bezeichnung,"
          "verstaedterungschluessel,verstaedterungbezeichnung")


def gemeinde(tk, kreis, vb, gem, name, area=" 26.88", population=" 43 992", plz="40699",
             lon="6,913114", lat="51,218566"):
    return (f'60,{tk},05,1,{kreis},{vb},{gem},"{name}",{area},{population}, 1, 1, 1,{plz},'
            f'"{lon}","{lat}",,,,')


def register(*extra: str, erkrath="Erkrath, Stadt", population=" 43 992", mettmann=True) -> bytes:
    lines = [HEADER, "10,,05,,,,,Nordrhein-Westfalen,,,,,,,,,,,,",
             "20,,05,1,,,,Reg.-Bez. Düsseldorf,,,,,,,,,,,,",
             '40,41,05,1,11,,,"Düsseldorf, Stadt",,,,,,,,,,,,',
             '50,50,05,1,11,0000,,"Düsseldorf, Stadt",,,,,,,,,,,,',
             gemeinde("61", "11", "0000", "000", "Düsseldorf, Stadt", " 217.41", " 619 294", "40213",
                      "6,775", "51,2254"),
             "40,43,05,1,58,,,Mettmann,,,,,,,,,,,,",
             f'50,50,05,1,58,0004,,"{erkrath}",,,,,,,,,,,,',
             gemeinde("63", "58", "0004", "004", erkrath, population=population)]
    if mettmann:
        lines.append(gemeinde("63", "58", "0024", "024", "Mettmann, Stadt", " 42.51", " 38 829",
                              "40822", "6,97", "51,25"))
    return ("\ufeff" + "\n".join(lines + list(extra)) + "\n").encode()


def run(data: bytes, **kwargs) -> rp.Report:
    return import_municipalities(actor=None, data=data, source="gv.csv", **kwargs)


def test_imports_every_record_type_of_the_published_extract(db):
    report = run(shared("municipalities", "destatis_gv-isys_auszug_gv4q_raw.csv").read_bytes())
    assert report.ok and report.applied, report.render()
    assert State.objects.count() == 16
    assert Municipality.objects.count() == 11004 + 294
    assert Municipality.objects.filter(kind=MunicipalityKind.KREIS).count() == 294
    assert AdminArea.objects.filter(level=AdminAreaLevel.REGIERUNGSBEZIRK).count() == 29
    assert AdminArea.objects.filter(level=AdminAreaLevel.REGION).count() == 12
    assert AdminArea.objects.filter(level=AdminAreaLevel.GEMEINDEVERBAND, key="010515163").get().name \
        == "Burg-St. Michaelisdonn"
    flensburg = Municipality.objects.get(ags="01001000")
    assert (flensburg.kind, flensburg.parent, flensburg.population) == (
        MunicipalityKind.KREISFREIE_STADT, None, 90164)
    assert (flensburg.longitude, flensburg.latitude) == (9.43751, 54.78252)
    erkrath = Municipality.objects.get(ags="05158004")
    assert erkrath.parent.ags == "05158000" and erkrath.parent.short_name == "Kreis Mettmann"
    assert erkrath.ars == "051580004004" and erkrath.short_name == "Erkrath"
    assert str(erkrath.area_km2) == "26.88"


def test_reimporting_the_same_register_changes_nothing(db):
    data = shared("municipalities", "destatis_gv-isys_auszug_gv4q_raw.csv").read_bytes()
    run(data)
    history = Municipality.history.count()
    events = OutboxEvent.objects.count()
    again = run(data)
    assert again.counts[rp.CREATED] == again.counts[rp.UPDATED] == 0
    assert again.counts[rp.UNCHANGED] == 16 + 11298 + 29 + 12 + 4606
    assert Municipality.objects.count() == 11298
    assert Municipality.history.count() == history and OutboxEvent.objects.count() == events


def test_register_and_demo_loader_produce_the_same_municipalities(db):
    from hub.demo.geography import load_municipalities

    load_municipalities()
    report = run(shared("municipalities", "destatis_gv-isys_auszug_gv4q_raw.csv").read_bytes(),
                 dry_run=True)
    changed = [r for r in report.rows if r.action == rp.UPDATED]
    assert changed == [], changed[:3]
    # Only what the demo loader does not keep is new: Regierungsbezirke, regions, Verbände.
    assert report.counts[rp.CREATED] == AdminArea.objects.count() + 29 + 12 + 4606


def test_small_register_builds_kreis_hierarchy_and_history(db):
    report = run(register())
    assert report.applied, report.render()
    kreis = Municipality.objects.get(ags="05158000")
    assert kreis.population == 43992 + 38829 and str(kreis.area_km2) == "69.39"
    assert set(kreis.children.values_list("ags", flat=True)) == {"05158004", "05158024"}
    assert Municipality.objects.get(ags="05111000").parent is None
    assert Municipality.history.filter(ags="05158004", history_type="+").exists()
    ids = set(OutboxEvent.objects.filter(entity="municipality").values_list("entity_id", flat=True))
    assert set(Municipality.objects.values_list("pk", flat=True)) <= ids


def test_reimport_updates_names_and_population(db):
    run(register())
    report = run(register(erkrath="Erkrath, Fundort des Neanderthalers, Stadt", population=" 44 001"))
    erkrath = Municipality.objects.get(ags="05158004")
    assert erkrath.name == "Erkrath, Fundort des Neanderthalers, Stadt"
    assert erkrath.short_name == "Erkrath" and erkrath.population == 44001
    changed = {r.key: r.changes for r in report.rows if r.action == rp.UPDATED}
    assert changed["05158004"]["population"] == (43992, 44001)
    assert Municipality.objects.get(ags="05158000").population == 44001 + 38829
    assert Municipality.objects.filter(ags="05158004").count() == 1


def test_vanished_ags_is_marked_merged_and_keeps_its_usages(db):
    run(register())
    mettmann = Municipality.objects.get(ags="05158024")
    usage = factories.UsageFactory(municipality=mettmann)
    merged = register(gemeinde("63", "58", "0099", "099", "Neanderstadt, Stadt"), mettmann=False)
    report = run(merged, as_of=dt.date(2025, 1, 1))
    mettmann.refresh_from_db()
    assert mettmann.dissolved_on == dt.date(2025, 1, 1)
    assert mettmann.merged_into.ags == "05158099"
    assert Usage.objects.filter(pk=usage.pk, municipality=mettmann).exists()
    assert any(r.key == "05158024" and r.changes["merged_into"] == (None, "05158099") for r in report.rows)
    # A second run does not dissolve it again or touch its date.
    run(merged, as_of=dt.date(2026, 1, 1))
    mettmann.refresh_from_db()
    assert mettmann.dissolved_on == dt.date(2025, 1, 1)


def test_vanished_ags_without_known_successor_gets_a_warning(db):
    run(register())
    report = run(register(mettmann=False))
    mettmann = Municipality.objects.get(ags="05158024")
    assert mettmann.dissolved_on is not None and mettmann.merged_into is None
    warning = [i for i in report.warnings if i.code == rp.UNMATCHED][0]
    assert "05158024" in warning.text("de") and "05158024" in warning.text("en")


def test_explicit_merger_mapping_names_the_successor(db):
    run(register())
    report = run(register(mettmann=False), mergers={"05158024": "05158004"})
    assert report.applied
    assert Municipality.objects.get(ags="05158024").merged_into.ags == "05158004"


def test_reappearing_municipality_is_no_longer_dissolved(db):
    run(register())
    run(register(mettmann=False))
    run(register())
    mettmann = Municipality.objects.get(ags="05158024")
    assert mettmann.dissolved_on is None and mettmann.merged_into is None


def test_a_file_missing_most_municipalities_is_refused(db):
    many = [gemeinde("64", "58", "0004", f"{100 + n:03d}", f"Ort {n}") for n in range(30)]
    run(register(*many))
    report = run(register())
    assert not report.applied and report.errors[0].code == rp.SUSPICIOUS
    assert Municipality.objects.filter(dissolved_on__isnull=False).count() == 0
    assert run(register(), allow_mass_dissolve=True).applied


def test_a_bad_row_rejects_the_whole_file_naming_row_and_field(db):
    bad = register(gemeinde("63", "58", "0007", "007", "Haan, Stadt", population=" 30 1x2"))
    report = run(bad)
    assert not report.applied
    rejected = [r for r in report.rows if r.action == rp.REJECTED]
    assert rejected[0].issues[0].field == "bevoelkerung" and rejected[0].row == 11
    assert "30 1x2" in rejected[0].issues[0].text("de")
    assert Municipality.objects.count() == 0 and State.objects.count() == 0


def test_missing_column_is_reported(db):
    report = run(b"satzart,land,gemeindename\n10,05,NRW\n")
    assert {i.field for i in report.errors} >= {"rb", "kreis", "gemeinde"}
    assert all(i.code == rp.MISSING_COLUMN for i in report.errors)


def test_finer_kinds_set_in_the_hub_survive_a_reimport(db):
    run(register())
    Municipality.objects.filter(ags="05158004").update(
        kind=MunicipalityKind.MITTLERE_KREISANGEHOERIGE_STADT)
    run(register(population=" 44 500"))
    assert Municipality.objects.get(ags="05158004").kind == MunicipalityKind.MITTLERE_KREISANGEHOERIGE_STADT


def test_dry_run_reports_but_saves_nothing(db):
    report = run(register(), dry_run=True)
    assert report.counts[rp.CREATED] > 0 and not report.applied
    assert Municipality.objects.count() == 0 and OutboxEvent.objects.count() == 0
