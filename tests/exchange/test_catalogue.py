from exchange import report as rp
from exchange.catalogue import import_services
from hub.models import Lebenslage, Service, ServiceKind, Themenfeld
from tests.exchange.conftest import shared

FILES = ["ozg_themenfelder_lebenslagen.csv", "ozg_leistungen.csv", "leika_leistungen_kdn_2020.csv"]


def real_files():
    return [(name, shared("services", name).read_bytes()) for name in FILES]


def test_imports_the_catalogue_keeping_rows_without_leika_key(db):
    report = import_services(actor=None, files=real_files())
    assert report.applied, report.render()
    assert (Themenfeld.objects.count(), Lebenslage.objects.count()) == (14, 58)
    assert Service.objects.filter(kind=ServiceKind.OZG).count() == 557
    keyless = Service.objects.filter(kind=ServiceKind.LEIKA, leika_key__isnull=True)
    # 436 "nicht im LeiKa" rows, one of them an exact duplicate: kept, not rejected.
    assert keyless.count() == 435
    assert report.counts[rp.REJECTED] == 0
    row = keyless.get(name="Abfallerzeugernummer beantragen")
    assert row.ozg_service.ozg_id == "10501" and row.ozg_id == "10501"
    keyed = Service.objects.get(leika_key="99001001000000")
    assert keyed.ozg_service.name == "Abfallentsorgung" and keyed.typisierung == "5"
    assert any(i.code == "DUPLICATE" and i.level == rp.WARNING for i in report.warnings)


def test_files_are_applied_in_dependency_order_whatever_order_they_come_in(db):
    report = import_services(actor=None, files=list(reversed(real_files())))
    assert report.applied and Service.objects.count() == 557 + 5248


def test_reimport_changes_nothing(db):
    import_services(actor=None, files=real_files())
    history = Service.history.count()
    again = import_services(actor=None, files=real_files())
    assert again.counts[rp.CREATED] == again.counts[rp.UPDATED] == 0
    assert Service.history.count() == history


def test_catalogue_import_agrees_with_the_demo_loader(db):
    from hub.demo.catalogue import load_services

    load_services()
    report = import_services(actor=None, files=real_files(), dry_run=True)
    assert report.counts[rp.CREATED] == report.counts[rp.UPDATED] == 0, report.render()


def test_unknown_ozg_id_rejects_the_file_naming_row_and_field(db):
    import_services(actor=None, files=real_files()[:2])
    leika = ("leika_schluessel,leistung,typisierung,ozg_id,ozg_leistung\n"
             "99001001000000,Abfallgebühr,5,10110,Abfallentsorgung\n"
             "99001001002000,Irgendwas,5,99999,Gibt es nicht\n").encode()
    report = import_services(actor=None, files=[("leika.csv", leika)])
    assert not report.applied
    issue = report.errors[0]
    assert (issue.row, issue.field) == (3, "ozg_id")
    assert "99999" in issue.text("de") and "OZG" in issue.text("en")
    assert not Service.objects.filter(kind=ServiceKind.LEIKA).exists()


def test_invalid_leika_key_is_rejected_by_model_validation(db):
    import_services(actor=None, files=real_files()[:2])
    leika = (b"leika_schluessel,leistung,typisierung,ozg_id,ozg_leistung\n"
             b"12345,Kaputt,5,10110,Abfallentsorgung\n")
    report = import_services(actor=None, files=[("leika.csv", leika)])
    assert report.errors[0].code == "INVALID_LEIKA_KEY" and report.errors[0].row == 2


def test_unknown_file_layout_is_refused(db):
    report = import_services(actor=None, files=[("x.csv", b"a,b\n1,2\n")])
    assert report.errors[0].code == rp.INVALID_FORMAT and "x.csv" in report.errors[0].text("en")
