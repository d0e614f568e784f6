import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from exchange import report as rp
from exchange.inventory import inventory_export, inventory_import, inventory_template
from hub.models import Software, Usage, UsageStatus, Visibility
from tests import factories

HEADER = "Produkt;Hersteller;Kategorie;Status;seit;Leistungen;betrieben von;Zufriedenheit;Anmerkungen\n"


@pytest.fixture
def catalogue(world):
    category = factories.CategoryFactory(name="Finanzwesen", slug="finanzwesen")
    factories.CategoryFactory(name="Ratsinformationssystem", slug="ratsinformationssystem")
    vendor = factories.OrganizationFactory(name="Axians Infoma GmbH", slug="axians-infoma",
                                           kind="vendor", aliases="Infoma")
    infoma = factories.SoftwareFactory(name="Infoma newsystem", slug="infoma-newsystem",
                                       category=category, vendor=vendor)
    session = factories.SoftwareFactory(name="Session", slug="session")
    wohngeld = factories.ServiceFactory(ozg_id="10083", name="Wohngeld")
    gewerbe = factories.ServiceFactory(ozg_id="10084", name="Gewerbeanmeldung")
    return {"infoma": infoma, "session": session, "wohngeld": wohngeld, "gewerbe": gewerbe}


def run(world, editor, text: str, *, dry_run=False, encoding="utf-8", **kwargs) -> rp.Report:
    return inventory_import(actor=editor, municipality=world.own, data=text.encode(encoding),
                            filename="inventar.csv", dry_run=dry_run, **kwargs)


def test_template_has_the_documented_columns():
    assert inventory_template().splitlines()[0] == (
        "Produkt;Hersteller;Kategorie;Status;seit;Leistungen;betrieben von;Zufriedenheit;"
        "Anmerkungen;Sichtbarkeit")
    assert inventory_template(lang="en").startswith("product;vendor;category;status;since")


def test_dry_run_reports_per_row_what_would_happen_and_saves_nothing(world, own_editor, catalogue):
    factories.UsageFactory(municipality=world.own, software=catalogue["session"],
                           status=UsageStatus.PILOT)
    text = HEADER + ("Infoma newsystem;Axians Infoma GmbH;Finanzwesen;im Einsatz;2019;10083 | Gewerbeanmeldung;KRZN;4;läuft\n"
                     "Session;;;im Einsatz;;;;;\n"
                     "Votemanager;vote iT;Wahlen;geplant;;;;;\n")
    report = run(world, own_editor, text, dry_run=True)
    actions = [(r.row, r.action) for r in report.rows]
    assert actions == [(2, rp.CREATED), (3, rp.UPDATED), (4, rp.REJECTED)]
    assert report.rows[1].changes["status"] == (UsageStatus.PILOT, UsageStatus.PRODUCTION)
    rejection = report.rows[2].issues[0]
    assert rejection.field == "category" and "Wahlen" in rejection.text("de")
    assert "Votemanager" in rejection.text("en")
    assert not report.applied and Usage.objects.count() == 1
    assert Usage.objects.get().status == UsageStatus.PILOT


def test_import_creates_and_updates_usages_with_all_columns(world, own_editor, catalogue):
    text = HEADER + "Infoma newsystem;;;im Einsatz;01.03.2019;10083 | Gewerbeanmeldung;KRZN;4;läuft gut\n"
    report = run(world, own_editor, text)
    assert report.applied and report.counts[rp.CREATED] == 1, report.render()
    usage = Usage.objects.get()
    assert (usage.municipality, usage.software, usage.status) == (
        world.own, catalogue["infoma"], UsageStatus.PRODUCTION)
    assert usage.since == dt.date(2019, 3, 1) and usage.operated_by == world.provider
    assert usage.satisfaction == 4 and usage.notes == "läuft gut"
    assert set(usage.services.all()) == {catalogue["wohngeld"], catalogue["gewerbe"]}
    assert usage.is_confirmed and usage.source_file == "inventar.csv"


def test_same_file_twice_changes_nothing(world, own_editor, catalogue):
    text = HEADER + "Infoma newsystem;;;Pilot;2019;10083;KRZN;3;\n"
    run(world, own_editor, text)
    history = Usage.history.count()
    again = run(world, own_editor, text)
    assert [r.action for r in again.rows] == [rp.UNCHANGED]
    assert Usage.history.count() == history


def test_one_bad_row_means_nothing_is_saved(world, own_editor, catalogue):
    text = HEADER + ("Infoma newsystem;;;im Einsatz;;;;;\n"
                     "Session;;;läuft irgendwie;;;;7;\n")
    report = run(world, own_editor, text)
    assert not report.applied and Usage.objects.count() == 0
    issues = {i.field: i for i in report.rows[1].issues}
    assert issues["status"].code == rp.UNKNOWN_VALUE and issues["satisfaction"].code == "OUT_OF_RANGE"
    assert issues["status"].row == 3
    assert "im Einsatz" in issues["status"].text("de")
    assert report.rows[0].action == rp.CREATED  # what it would have done


def test_service_rule_violations_are_rejections_too(world, own_editor, catalogue):
    factories.UsageFactory(municipality=world.own, software=catalogue["infoma"])
    report = run(world, own_editor, HEADER + "Infoma newsystem;;;geplant;;;;;\n")
    assert report.rows[0].action == rp.REJECTED
    assert report.rows[0].issues[0].code == "INVALID_TRANSITION"
    assert Usage.objects.get().status == UsageStatus.PRODUCTION


def test_unknown_product_with_known_category_is_added_to_the_catalogue(world, own_editor, catalogue):
    report = run(world, own_editor, HEADER + "ALLRIS 4;CC e-gov GmbH;Ratsinformationssystem;im Einsatz;;;;;\n")
    assert report.applied
    software = Software.objects.get(name="ALLRIS 4")
    assert software.vendor.name == "CC e-gov GmbH" and software.category.slug == "ratsinformationssystem"
    assert {i.code for i in report.rows[0].issues} == {rp.UNMATCHED}
    refused = run(world, own_editor, HEADER + "OK.EWO;AKDB;Ratsinformationssystem;;;;;;\n",
                  create_software=False)
    assert refused.rows[0].action == rp.REJECTED and refused.rows[0].issues[0].field == "product"


def test_duplicate_products_in_one_file_are_rejected(world, own_editor, catalogue):
    report = run(world, own_editor, HEADER + "Session;;;;;;;;\nsession;;;;;;;;\n")
    assert report.rows[1].action == rp.REJECTED and report.rows[1].issues[0].code == "DUPLICATE"


def test_export_reimports_unchanged_and_neutralises_formulas(world, own_editor, catalogue, member):
    usage = factories.UsageFactory(municipality=world.own, software=catalogue["infoma"],
                                   since=dt.date(2020, 5, 1), satisfaction=5,
                                   notes="=HYPERLINK(\"http://evil\")", operated_by=world.provider)
    usage.services.set([catalogue["wohngeld"]])
    factories.UsageFactory(municipality=world.own, software=catalogue["session"],
                           visibility=Visibility.MEMBERS, notes="intern")
    public = inventory_export(user=AnonymousUser(), municipality=world.own)
    assert "Session" not in public
    assert "\"'=HYPERLINK" in public and "2020-05-01" in public and "10083" in public
    full = inventory_export(user=member, municipality=world.own)
    assert "Session" in full and "nur Mitglieder" in full
    report = run(world, own_editor, full)
    assert [r.action for r in report.rows] == [rp.UNCHANGED, rp.UNCHANGED], report.render()
    assert Usage.objects.get(pk=usage.pk).notes == "=HYPERLINK(\"http://evil\")"


def test_english_export_and_headers_import_too(world, own_editor, catalogue):
    factories.UsageFactory(municipality=world.own, software=catalogue["infoma"])
    english = inventory_export(user=own_editor, municipality=world.own, lang="en")
    assert english.startswith("product;vendor")
    report = run(world, own_editor, english)
    assert [r.action for r in report.rows] == [rp.UNCHANGED], report.render()


def test_latin1_file_is_decoded_with_a_warning(world, own_editor, catalogue):
    report = run(world, own_editor, HEADER + "Infoma newsystem;;;in Prüfung;;;;;Prüfung läuft\n",
                 encoding="cp1252")
    assert report.applied and Usage.objects.get().notes == "Prüfung läuft"
    assert report.warnings[0].code == rp.INVALID_ENCODING


def test_utf16_excel_export_with_bom_is_read(world, own_editor, catalogue):
    text = HEADER.replace(";", "\t") + "Infoma newsystem\t\t\tPilot\t\t\t\t\t\n"
    report = run(world, own_editor, text, encoding="utf-16")
    assert report.applied and Usage.objects.get().status == UsageStatus.PILOT


def test_size_and_row_limits_are_enforced_with_clear_errors(world, own_editor, catalogue, settings):
    settings.IMPORT_MAX_BYTES = 100
    report = run(world, own_editor, HEADER + "Session;;;;;;;;\n" * 10)
    assert report.errors[0].code == rp.FILE_TOO_LARGE and "KB" in report.errors[0].text("en")
    settings.IMPORT_MAX_BYTES = 10_000
    settings.IMPORT_MAX_ROWS = 2
    report = run(world, own_editor, HEADER + "Session;;;;;;;;\n" * 3)
    assert report.errors[0].code == rp.TOO_MANY_ROWS and "2" in report.errors[0].text("de")
    assert Usage.objects.count() == 0


def test_usages_entered_by_others_stay_proposed(world, other_editor, catalogue):
    run(world, other_editor, HEADER + "Session;;;im Einsatz;;;;;\n")
    assert Usage.objects.get().is_confirmed is False


def test_missing_product_column_fails_the_file(world, own_editor):
    report = run(world, own_editor, "Status;seit\nPilot;2019\n")
    assert report.errors[0].code == rp.MISSING_COLUMN and report.errors[0].field == "product"
