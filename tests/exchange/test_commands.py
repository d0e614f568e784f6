"""The commands only parse arguments, call one function and print a summary; these check that
wiring (exit status, files written, language of the report)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hub.models import Software, Usage
from tests import factories
from tests.exchange.conftest import shared


def run(*args, **kwargs) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def test_import_publiccode_prints_a_summary_and_fails_on_invalid_files(db, tmp_path):
    out, _ = run("import_publiccode", str(shared("publiccode", "valid", "valid.minimal.yml")))
    assert "neu 1" in out and Software.objects.count() == 1
    report = tmp_path / "report.json"
    with pytest.raises(CommandError):
        run("import_publiccode", str(shared("publiccode", "invalid", "name_missing.yml")),
            "--lang", "en", "--json", str(report))
    data = json.loads(report.read_text())
    assert data["rows"][0]["issues"][0]["field"] == "name"
    assert data["rows"][0]["issues"][0]["message_en"]


def test_export_publiccode_writes_a_file(db, tmp_path):
    run("import_publiccode", str(shared("publiccode", "valid", "valid.minimal.yml")))
    target = tmp_path / "publiccode.yml"
    run("export_publiccode", Software.objects.get().slug, "-o", str(target))
    assert "publiccodeYmlVersion" in target.read_text()
    with pytest.raises(CommandError):
        run("export_publiccode", "gibt-es-nicht")


def test_inventory_commands_round_trip(world, tmp_path):
    usage = factories.UsageFactory(municipality=world.own, notes="+ sehr gut")
    template = tmp_path / "vorlage.csv"
    run("inventory_template", "-o", str(template))
    assert template.read_text(encoding="utf-8-sig").startswith("Produkt;")
    export = tmp_path / "inventar.csv"
    run("export_inventory", world.own.ags, "-o", str(export))
    out, _ = run("import_inventory", str(export), "--ags", world.own.ags, "--dry-run")
    assert "unverändert 1" in out and "Probelauf" in out
    assert Usage.objects.get().notes == usage.notes


def test_import_municipalities_and_services_commands(db, tmp_path):
    path = tmp_path / "gv.csv"
    path.write_text(
        "satzart,textkennzeichen,land,rb,kreis,vb,gemeinde,gemeindename,flaeche,bevoelkerung\n"
        "10,,05,,,,,Nordrhein-Westfalen,,\n"
        "40,43,05,1,58,,,Mettmann,,\n"
        '60,63,05,1,58,0004,004,"Erkrath, Stadt", 26.88, 43 992\n', encoding="utf-8")
    out, _ = run("import_municipalities", str(path))
    assert "neu 3" in out
    out, _ = run("import_services", str(shared("services")), "--dry-run")
    assert "Probelauf" in out


def test_backup_restore_and_open_data_commands(db, tmp_path):
    factories.UsageFactory()
    out, _ = run("backup", str(tmp_path / "b.json"))
    assert "Datensätze" in out
    with pytest.raises(CommandError):
        run("restore", str(tmp_path / "b.json"))  # the database is not empty
    out, _ = run("export_open_data", str(tmp_path / "open"))
    assert (tmp_path / "open" / "datapackage.json").exists() and "nutzungen 1" in out


def test_import_kdn_requires_a_table(db):
    with pytest.raises(CommandError):
        run("import_kdn")


def test_moderators_can_read_imported_documents_in_the_admin(client, moderator):
    from exchange.models import PubliccodeDocument

    run("import_publiccode", str(shared("publiccode", "valid", "valid.minimal.yml")))
    document = PubliccodeDocument.objects.get()
    moderator.is_superuser = True
    moderator.save()
    client.force_login(moderator)
    assert client.get("/admin/exchange/publiccodedocument/").status_code == 200
    page = client.get(f"/admin/exchange/publiccodedocument/{document.pk}/change/")
    assert page.status_code == 200 and "Medusa" in page.content.decode()
    assert client.get("/admin/exchange/adminarea/add/").status_code == 403
