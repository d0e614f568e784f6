from pathlib import Path

import pytest
import yaml

from exchange import report as rp
from exchange.models import PubliccodeDocument
from exchange.publiccode.export import software_publiccode
from exchange.publiccode.importer import import_publiccode, import_publiccode_files
from exchange.publiccode.validate import validate
from hub.models import Organization, Software, Usage, UsageSource
from tests import factories
from tests.exchange.conftest import SHARED, shared

# Every file of ../shared/data/publiccode and the field its rejection must name.
REJECTED = {
    "invalid/categories_invalid.yml": "categories[0]",
    "invalid/description_en_longDescription_too_short.yml": "description.en.longDescription",
    "invalid/description_en_shortDescription_missing.yml": "description.en.shortDescription",
    "invalid/developmentStatus_invalid.yml": "developmentStatus",
    "invalid/file_encoding.yml": None,  # not UTF-8: the whole file, line 1
    "invalid/intendedAudience_countries_invalid_country.yml": "intendedAudience.countries[2]",
    "invalid/invalid_yaml.yml": "description.en.features",
    "invalid/legal_license_invalid.yml": "legal.license",
    "invalid/localisation_availableLanguages_missing.yml": "localisation.availableLanguages",
    "invalid/maintenance_contractors_missing_with_type_contract.yml": "maintenance.contractors",
    "invalid/name_missing.yml": "name",
    "invalid/publiccodeYmlVersion_invalid.yml": "publiccodeYmlVersion",
    "invalid/publiccodeYmlVersion_missing.yml": "publiccodeYmlVersion",
    "invalid/softwareType_invalid.yml": "softwareType",
    "invalid/supports_unknown_alias.yml": "supports[0].id",
    "invalid/unknown_field.yml": "foobar",
    "invalid/url_missing.yml": "url",
    "invalid/usedBy_wrong_type.yml": "usedBy",
    "real_world/Aitema-gmbh+ratsinformationssystem.publiccode.yml": "categories[0]",
}


def all_files() -> list[str]:
    root = SHARED / "publiccode"
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.yml"))


VALID = [f for f in all_files() if f not in REJECTED]


def read(name: str) -> bytes:
    return shared("publiccode", name).read_bytes()


def test_every_reference_file_is_classified():
    files = all_files()
    if not files:
        pytest.skip(f"reference data not found at {SHARED / 'publiccode'}")
    assert len(files) == 47
    assert set(REJECTED) <= set(files)
    assert {f.split("/")[0] for f in VALID} == {"valid", "valid_with_warnings", "spec_examples", "real_world"}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_invalid_file_is_rejected_naming_the_field(db, name):
    report = import_publiccode(actor=None, files=[(name, read(name))])
    assert report.counts[rp.REJECTED] == 1 and not report.applied
    errors = report.errors
    if REJECTED[name] is None:
        assert errors[0].code == rp.INVALID_ENCODING and errors[0].row == 1
    else:
        assert REJECTED[name] in {e.field for e in errors}, [e.render() for e in errors]
    for error in errors:
        assert error.text("de") != error.text("en") or error.field in error.text("en")
        assert error.row is not None
    assert not Software.objects.exists() and not Organization.objects.exists()


@pytest.mark.parametrize("name", VALID)
def test_valid_file_imports_and_exports_back_valid(db, name):
    report = import_publiccode(actor=None, files=[(name, read(name))])
    assert report.counts[rp.CREATED] == 1 and report.ok, report.render()
    software = Software.objects.get()
    assert software.licence and software.is_open_source and software.category_id
    text, checked = software_publiccode(software=software)
    assert checked.ok, [i.render() for i in checked.errors]
    again = import_publiccode(actor=None, files=[("export.yml", text.encode())])
    assert again.rows[0].action == rp.UNCHANGED, again.render()
    assert Software.objects.count() == 1


def test_warnings_of_old_versions_and_deprecated_keys_do_not_block_the_import(db):
    shared("publiccode")  # skips without the reference files (the list below would be empty)
    report = import_publiccode(actor=None, files=[
        (n, read(n)) for n in VALID if n.startswith("valid_with_warnings/")])
    assert report.ok and report.counts[rp.REJECTED] == 0
    fields = {i.field for i in report.warnings}
    assert {"publiccodeYmlVersion", "it", "IT.conforme", "legal.repoOwner",
            "intendedAudience.countries[0]"} <= fields


def test_real_file_fills_software_fields(db):
    name = "real_world/Dataport+terminfinder-frontend.publiccode.yml"
    import_publiccode(actor=None, files=[(name, read(name))])
    software = Software.objects.get()
    assert software.name == "Terminfinder"
    assert software.repository_url == "https://github.com/Dataport/terminfinder-frontend"
    assert software.licence == "EUPL-1.2" and software.platforms == "web"
    assert "Terminfinder" in software.description  # German text preferred
    assert software.vendor is None  # the file names no organisation, owner or contractor
    assert software.category.slug == "sonstiges"  # no taxonomy without the demo data
    document = PubliccodeDocument.objects.get(software=software)
    assert set(document.document["description"]) == {"en", "de"}


def test_categories_map_onto_the_hub_taxonomy(db):
    from hub.demo.software import load_categories

    load_categories()
    name = "real_world/Comune-Milano+Whistleblowing.publiccode.yml"
    import_publiccode(actor=None, files=[(name, read(name))])
    assert Software.objects.get().category.name == "Hinweisgebersystem"


def test_used_by_becomes_proposed_usages_matched_with_spelling_tolerance(db):
    bw = factories.StateFactory(code="08", name="Baden-Württemberg")
    by = factories.StateFactory(code="09", name="Bayern")
    stuttgart = factories.MunicipalityFactory(ags="08111000", name="Stuttgart, Landeshauptstadt",
                                              state=bw, kind="kreisfreie_stadt")
    munich = factories.MunicipalityFactory(ags="09162000", name="München, Landeshauptstadt",
                                           state=by, kind="kreisfreie_stadt")
    for ags in ("09190135", "09185150"):
        factories.MunicipalityFactory(ags=ags, name="Oberhausen", state=by, kind="gemeinde")
    name = "real_world/it-at-m+mucgpt.publiccode.yml"
    doc = yaml.safe_load(read(name))
    doc["usedBy"] += ["Muenchen", "Comune di Firenze", "Oberhausen", "Gemeinde Nirgendwo"]
    report = import_publiccode(actor=None, files=[("mucgpt.yml", yaml.safe_dump(doc).encode())])
    assert Software.objects.get().vendor.name == "Landeshauptstadt München"
    usages = Usage.objects.order_by("municipality__ags")
    assert [u.municipality for u in usages] == [stuttgart, munich]
    assert all(not u.is_confirmed and u.source == UsageSource.IMPORT for u in usages)
    assert {u.source_file for u in usages} == {"mucgpt.yml"}
    flagged = {i.field: i for i in report.rows[0].issues if i.field and i.field.startswith("usedBy")}
    assert flagged["usedBy[2]"].code == rp.UNMATCHED  # Comune di Firenze
    assert flagged["usedBy[3]"].code == rp.AMBIGUOUS and "09185150" in flagged["usedBy[3]"].text("en")
    assert flagged["usedBy[4]"].code == rp.UNMATCHED
    # Importing again proposes nothing twice.
    again = import_publiccode(actor=None, files=[("mucgpt.yml", yaml.safe_dump(doc).encode())])
    assert again.rows[0].action == rp.UNCHANGED and Usage.objects.count() == 2


def test_a_file_failing_model_validation_leaves_nothing_behind(db):
    doc = yaml.safe_load(read("valid/valid_with_organisation.yml"))
    doc["organisation"]["name"] = "Neue Firma GmbH"
    doc["url"] = "https://example.org/" + "x" * 600
    report = import_publiccode(actor=None, files=[
        ("broken.yml", yaml.safe_dump(doc).encode()), ("good.yml", read("valid/valid.minimal.yml"))])
    actions = [r.action for r in report.rows]
    assert actions == [rp.REJECTED, rp.CREATED]
    assert report.rows[0].issues[-1].field == "software.repository_url"
    assert not Organization.objects.filter(name="Neue Firma GmbH").exists()
    assert Software.objects.count() == 1


def test_directory_import_reports_one_row_per_file(db, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "publiccode.yml").write_bytes(read("valid/valid.minimal.yml"))
    (tmp_path / "broken.yaml").write_bytes(read("invalid/name_missing.yml"))
    (tmp_path / "notes.txt").write_text("ignored")
    report = import_publiccode_files(actor=None, paths=[tmp_path])
    assert sorted((Path(r.key).name, r.action) for r in report.rows) == [
        ("broken.yaml", rp.REJECTED), ("publiccode.yml", rp.CREATED)]


def test_dry_run_saves_nothing(db):
    report = import_publiccode(actor=None, files=[("x.yml", read("valid/valid.yml"))], dry_run=True)
    assert report.counts[rp.CREATED] == 1 and not Software.objects.exists()


def test_export_of_hub_software_names_what_is_missing_then_validates(db):
    software = factories.SoftwareFactory(name="Bürgerbüro Online", licence="")
    _text, checked = software_publiccode(software=software)
    fields = {i.field for i in checked.errors}
    assert {"url", "legal.license", "description.de.longDescription"} <= fields
    software.repository_url = "https://gitlab.example.org/kommune/buergerbuero"
    software.licence = "EUPL-1.2"
    software.description = ("Online-Terminbuchung und Anliegenverwaltung für Bürgerbüros. "
                            + "Die Anwendung verwaltet Termine, Wartelisten und Anliegen. " * 3
                            + "\n\n- Terminbuchung\n- Wartelisten")
    software.save()
    text, checked = software_publiccode(software=software)
    assert checked.ok, [i.render() for i in checked.errors]
    doc = yaml.safe_load(text)
    assert doc["description"]["de"]["features"] == ["Terminbuchung", "Wartelisten"]
    assert doc["legal"]["license"] == "EUPL-1.2"


def test_export_adds_municipalities_with_confirmed_public_usages(db):
    import_publiccode(actor=None, files=[("m.yml", read("valid/valid.minimal.yml"))])
    software = Software.objects.get()
    erkrath = factories.MunicipalityFactory(ags="05158004", name="Erkrath, Stadt")
    factories.UsageFactory(software=software, municipality=erkrath, is_confirmed=True)
    factories.UsageFactory(software=software, is_confirmed=False)
    text, checked = software_publiccode(software=software)
    assert checked.ok and yaml.safe_load(text)["usedBy"] == ["Erkrath, Stadt"]


def test_validator_reports_line_numbers():
    checked = validate(read("invalid/developmentStatus_invalid.yml"))
    assert checked.errors[0].row == 16
