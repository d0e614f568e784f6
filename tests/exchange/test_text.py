import datetime as dt
from decimal import Decimal

import pytest

from exchange import report as rp
from exchange.text import (
    decode,
    fold,
    parse_date,
    parse_decimal,
    parse_int,
    read_table,
    safe_cell,
    unsafe_cell,
)


def test_fold_makes_umlaut_spellings_equal():
    assert fold("Mülheim an der Ruhr") == fold("Muelheim-an-der-Ruhr") == "muelheim an der ruhr"
    assert fold("Großenrade") == fold("Grossenrade")


def test_decode_reads_utf8_with_bom_silently():
    report = rp.Report("x")
    decoded = decode("Produkt;Status\nÖffis;Pilot\n".encode("utf-8-sig"), report)
    assert decoded.text.startswith("Produkt") and report.issues == []


def test_decode_converts_utf16_with_bom_and_says_so():
    report = rp.Report("x")
    decoded = decode("Produkt\tStatus\nÜbersicht\tPilot\n".encode("utf-16"), report)
    assert "Übersicht" in decoded.text
    assert [i.code for i in report.warnings] == [rp.INVALID_ENCODING]
    assert "UTF-16" in report.warnings[0].text("de")


def test_decode_rejects_utf16_without_bom():
    report = rp.Report("x")
    assert decode("Produkt;Status\n".encode("utf-16-le"), report) is None
    assert report.errors[0].code == rp.INVALID_ENCODING
    assert "UTF-16" in report.errors[0].text("en")


def test_decode_converts_latin1_with_a_warning_naming_the_line():
    report = rp.Report("x")
    decoded = decode("Produkt;Anmerkungen\nOK.EWO;läuft\n".encode("latin-1"), report)
    assert decoded.text.endswith("läuft\n")
    warning = report.warnings[0]
    assert warning.code == rp.INVALID_ENCODING and "2" in warning.text("de")
    assert "Windows-1252" in warning.text("en")


def test_decode_can_refuse_legacy_encodings():
    report = rp.Report("x")
    assert decode("ä".encode("latin-1"), report, allow_legacy=False) is None
    assert report.errors[0].code == rp.INVALID_ENCODING


def test_parse_numbers_in_german_and_destatis_formats():
    assert parse_int(" 90 164") == 90164
    assert parse_int("1.847.253") == 1847253
    assert parse_int("") is None
    assert parse_decimal("9,43751") == Decimal("9.43751")
    assert parse_decimal(" 53.02") == Decimal("53.02")
    assert parse_decimal("1.234,5") == Decimal("1234.5")
    with pytest.raises(ValueError):
        parse_int("12a")


@pytest.mark.parametrize(("text", "expected"), [
    ("2019-03-01", dt.date(2019, 3, 1)), ("01.03.2019", dt.date(2019, 3, 1)),
    ("1.3.19", dt.date(2019, 3, 1)), ("03/2019", dt.date(2019, 3, 1)),
    ("2019", dt.date(2019, 1, 1)), ("", None),
])
def test_parse_date_accepts_the_usual_forms(text, expected):
    assert parse_date(text) == expected


def test_parse_date_rejects_impossible_dates():
    with pytest.raises(ValueError):
        parse_date("31.02.2020")


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_formula_cells_are_neutralised_and_restored(value):
    assert safe_cell(value).startswith("'")
    assert unsafe_cell(safe_cell(value)) == value


def test_harmless_cells_stay_as_they_are():
    assert safe_cell("Infoma newsystem") == "Infoma newsystem"
    assert unsafe_cell("'quoted") == "'quoted"


def test_read_table_maps_german_and_english_headers_and_reports_missing_columns():
    report = rp.Report("x")
    table = read_table("Produkt;operated by;Foo\nA;B;C\n", report,
                       columns={"product": {"Produkt"}, "operated_by": {"betrieben von"}},
                       required={"product"})
    assert table.rows == [(2, {"product": "A", "operated_by": "B"})]
    assert report.warnings[0].field == "Foo"
    report = rp.Report("x")
    assert read_table("Name\nA\n", report, columns={"product": set()}, required={"product"}) is None
    assert report.errors[0].code == rp.MISSING_COLUMN
