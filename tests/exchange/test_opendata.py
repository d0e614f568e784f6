import csv
import json

from exchange.opendata import ENTITIES, export_open_data
from hub.models import Visibility
from tests import factories


def test_exports_every_public_entity_as_csv_and_json_with_a_dictionary(world, tmp_path):
    software = factories.SoftwareFactory(name="=cmd|' /C calc'!A0", slug="evil")
    public = factories.UsageFactory(municipality=world.own, software=software, notes="-2+3")
    hidden = factories.UsageFactory(municipality=world.other, visibility=Visibility.MEMBERS)
    contact = factories.ContactFactory(municipality=world.own, email="erika@example.org",
                                       phone="+49 211 123")
    public.contact = contact
    public.save()
    counts = export_open_data(directory=tmp_path)
    for entity in ENTITIES:
        assert (tmp_path / f"{entity.name}.csv").exists() and (tmp_path / f"{entity.name}.json").exists()
    usages = json.loads((tmp_path / "nutzungen.json").read_text())
    assert [u["id"] for u in usages] == [public.pk] and counts["nutzungen"] == 1
    assert hidden.pk not in {u["id"] for u in usages}
    everything = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "erika@example.org" not in everything and "+49 211 123" not in everything
    assert "contact" not in usages[0] and "created_by" not in usages[0]
    with (tmp_path / "software.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["name"] == "'=cmd|' /C calc'!A0"
    with (tmp_path / "nutzungen.csv").open(newline="") as handle:
        assert next(csv.DictReader(handle))["notes"] == "'-2+3"
    assert json.loads((tmp_path / "software.json").read_text())[0]["name"] == "=cmd|' /C calc'!A0"


def test_data_package_describes_every_csv_column(world, tmp_path):
    factories.UsageFactory(municipality=world.own)
    export_open_data(directory=tmp_path)
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["profile"] == "tabular-data-package" and package["licenses"][0]["name"]
    for resource in package["resources"]:
        if resource["format"] != "csv":
            continue
        with (tmp_path / resource["path"]).open(newline="") as handle:
            header = next(csv.reader(handle))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
        assert all(f["title"] and f["description"] for f in resource["schema"]["fields"])
    kommunen = json.loads((tmp_path / "kommunen.json").read_text())
    erkrath = next(k for k in kommunen if k["ags"] == "05158004")
    assert erkrath["kreis_ags"] == "05158000" and erkrath["land"] == "05"
    lexicon = (tmp_path / "DATENLEXIKON.md").read_text()
    assert "## nutzungen" in lexicon and "`ags`" in lexicon


def test_only_public_collaborations_are_exported(world, tmp_path):
    from hub.models import Collaboration

    Collaboration.objects.create(title="Offen", slug="offen", topic="ozg")
    Collaboration.objects.create(title="Intern", slug="intern", topic="ozg",
                                 visibility=Visibility.MEMBERS)
    export_open_data(directory=tmp_path)
    slugs = [c["slug"] for c in json.loads((tmp_path / "kooperationen.json").read_text())]
    assert slugs == ["offen"]
