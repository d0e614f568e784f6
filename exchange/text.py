"""Reading what people actually upload: encodings, delimiters, German number and date formats,
names spelled five ways, and spreadsheet cells that must not turn into formulas.

Pure functions without database access, shared by every importer and exporter.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from exchange import report as rp

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe",
                          "Ü": "ue", "ẞ": "ss"})


def fold(text: str) -> str:
    """Spelling-tolerant key: lower case, umlauts as ae/oe/ue, ß as ss, accents dropped,
    punctuation and hyphens as single spaces. "Mülheim an der Ruhr" == "Muelheim-an-der-Ruhr"."""
    text = unicodedata.normalize("NFC", text or "").translate(_UMLAUTS).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


def fold_plain(text: str) -> str:
    """Like `fold` but umlauts lose their dots ("Munchen"), for input typed without umlauts."""
    text = unicodedata.normalize("NFKD", (text or "").replace("ß", "ss").casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def squash(text: str) -> str:
    """Key without spaces: "Kamp Lintfort" == "Kamp-Lintfort" == "KampLintfort"."""
    return fold(text).replace(" ", "")


# ---------------------------------------------------------------- encodings

@dataclass
class Decoded:
    text: str
    encoding: str
    note: str | None = None  # set when the encoding was not plain UTF-8


def decode(data: bytes, report: rp.Report, *, allow_legacy: bool = True) -> Decoded | None:
    """Decode an upload. UTF-8 (with or without BOM) and UTF-16/32 with BOM are unambiguous.
    A file that is not UTF-8 is almost always Windows-1252 from Excel ("CSV (Trennzeichen-
    getrennt)"): decoded as such with a warning when `allow_legacy`, else rejected. UTF-16
    without BOM (NUL bytes) cannot be told apart reliably and is rejected."""
    boms = [(b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32-le"),
            (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")]
    for bom, encoding in boms:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding.replace("-sig", ""))
            except UnicodeDecodeError as exc:
                report.error(rp.INVALID_ENCODING, gettext_noop(
                    "Die Datei beginnt mit einer %(encoding)s-Kennung (BOM), enthält aber an Byte "
                    "%(position)s ungültige Zeichen."), encoding=encoding.upper(), position=exc.start)
                return None
            note = None if encoding == "utf-8-sig" else encoding
            if note:
                report.warn(rp.INVALID_ENCODING, gettext_noop(
                    "Die Datei ist %(encoding)s-kodiert (mit BOM) und wurde umgewandelt; bitte "
                    "künftig als UTF-8 speichern."), encoding=encoding.upper())
            return Decoded(text, encoding, note)
    if b"\x00" in data[:4096]:
        report.error(rp.INVALID_ENCODING, gettext_noop(
            "Die Datei enthält Null-Bytes: vermutlich UTF-16 ohne Byte-Order-Mark. Bitte als "
            "UTF-8 speichern."))
        return None
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if not allow_legacy:
            report.error(rp.INVALID_ENCODING, gettext_noop(
                "Die Datei ist nicht UTF-8-kodiert (ungültiges Byte 0x%(byte)s in Zeile "
                "%(line)s, vermutlich ISO-8859-1/Windows-1252)."),
                byte=f"{data[exc.start]:02X}", line=line)
            return None
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        report.error(rp.INVALID_ENCODING, gettext_noop(
            "Die Kodierung der Datei ist unbekannt (weder UTF-8 noch Windows-1252). Bitte als "
            "UTF-8 speichern."))
        return None
    report.warn(rp.INVALID_ENCODING, gettext_noop(
        "Die Datei ist nicht UTF-8, sondern Windows-1252/ISO-8859-1 kodiert (erstes "
        "Nicht-UTF-8-Zeichen in Zeile %(line)s) und wurde umgewandelt; bitte die Umlaute "
        "prüfen und künftig als UTF-8 speichern."), line=line)
    return Decoded(text, "cp1252", "cp1252")


# ---------------------------------------------------------------- CSV

@dataclass
class Table:
    header: list[str]
    rows: Iterable[tuple[int, dict[str, str]]]  # (line in the file, cells by canonical name)
    delimiter: str


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def header_key(name: str) -> str:
    return squash(name.strip().lstrip("\ufeff"))


def read_table(text: str, report: rp.Report, *, columns: dict[str, set[str]],
               required: set[str], max_rows: int | None = None,
               lazy: bool = False) -> Table | None:
    """Parse CSV text into rows keyed by canonical column names.

    `columns` maps a canonical name to accepted header spellings (German and English,
    compared with `squash`). Unknown columns are reported as warnings and ignored; missing
    required ones make the whole file fail. Line numbers are physical lines, as a
    spreadsheet shows them. With `lazy`, rows come as an iterator (for files of hundreds of
    thousands of rows); problems found while iterating are added to the report and end it."""
    first = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        report.error(rp.INVALID_FORMAT, gettext_noop("Die Datei ist leer."))
        return None
    except csv.Error as exc:
        report.error(rp.INVALID_FORMAT, gettext_noop("Die Kopfzeile ist kein gültiges CSV: %(error)s"),
                     row=1, error=str(exc))
        return None
    lookup = {header_key(alias): canon for canon, aliases in columns.items()
              for alias in aliases | {canon}}
    mapping: dict[int, str] = {}
    for index, name in enumerate(header):
        canon = lookup.get(header_key(name))
        if canon and canon not in mapping.values():
            mapping[index] = canon
        elif name.strip():
            report.warn(rp.UNKNOWN_VALUE, gettext_noop("Unbekannte Spalte „%(column)s“ wird ignoriert."),
                        row=1, field=name.strip(), column=name.strip())
    missing = sorted(required - set(mapping.values()))
    for name in missing:
        report.error(rp.MISSING_COLUMN, gettext_noop("Pflichtspalte „%(column)s“ fehlt."),
                     row=1, field=name, column=name)
    if missing:
        return None
    rows = _rows(reader, report, mapping, len(header), max_rows)
    if not lazy:
        rows = list(rows)
        if not report.ok:
            return None
    return Table([header[i] for i in sorted(mapping)], rows, delimiter)


def _rows(reader: Any, report: rp.Report, mapping: dict[int, str], width: int,
          max_rows: int | None) -> Iterator[tuple[int, dict[str, str]]]:
    count = 0
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if max_rows is not None and count >= max_rows:
                report.error(rp.TOO_MANY_ROWS, gettext_noop(
                    "Die Datei hat mehr als %(limit)s Datenzeilen; bitte aufteilen."), limit=max_rows)
                return
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                report.warn(rp.INVALID_FORMAT, gettext_noop(
                    "Mehr Zellen als Spalten in der Kopfzeile; überzählige Zellen werden "
                    "ignoriert (Trennzeichen im Text nicht in Anführungszeichen?)."), row=line)
            count += 1
            yield line, {canon: (cells[i].strip() if i < len(cells) else "")
                         for i, canon in mapping.items()}
    except csv.Error as exc:
        report.error(rp.INVALID_FORMAT, gettext_noop("Ungültiges CSV: %(error)s"),
                     row=reader.line_num, error=str(exc))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Neutralise spreadsheet formula injection (OWASP): a text cell starting with = + - @
    (or tab / carriage return) gets a leading apostrophe, which spreadsheets show as text."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def unsafe_cell(text: str) -> str:
    """Undo `safe_cell` on re-import, so export → import is lossless."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def write_csv(rows: list[list[object]], header: list[str], *, delimiter: str = ";") -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


# ---------------------------------------------------------------- numbers and dates

def parse_int(text: str) -> int | None:
    """ " 90 164" / "90.164" / "90164" -> 90164; empty -> None; raises ValueError."""
    cleaned = re.sub(r"[\s\u00a0\u202f.']", "", text or "")
    if not cleaned:
        return None
    if not re.fullmatch(r"-?\d+", cleaned):
        raise ValueError(text)
    return int(cleaned)


def parse_decimal(text: str) -> Decimal | None:
    """German or English decimals: "9,43751", " 53.02", "1.234,5", "1 234,5"."""
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", text or "")
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif "," in cleaned:
        if cleaned.count(",") > 1:
            raise ValueError(text)
        cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(text) from exc


def parse_date(text: str) -> dt.date | None:
    """2019-03-01, 01.03.2019, 1.3.19, 2019-03, 03/2019, 03.2019, 2019 (month/year alone mean
    the first day). Raises ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    patterns = [
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", lambda m: (m[1], m[2], m[3])),
        (r"(\d{1,2})\.(\d{1,2})\.(\d{4})", lambda m: (m[3], m[2], m[1])),
        (r"(\d{1,2})\.(\d{1,2})\.(\d{2})", lambda m: (f"20{m[3]}", m[2], m[1])),
        (r"(\d{1,2})/(\d{1,2})/(\d{4})", lambda m: (m[3], m[1], m[2])),
        (r"(\d{4})-(\d{1,2})", lambda m: (m[1], m[2], 1)),
        (r"(\d{1,2})[./](\d{4})", lambda m: (m[2], m[1], 1)),
        (r"(\d{4})", lambda m: (m[1], 1, 1)),
    ]
    for pattern, parts in patterns:
        match = re.fullmatch(pattern, text)
        if match:
            year, month, day = (int(p) for p in parts(match))
            return dt.date(year, month, day)
    raise ValueError(text)


def free_slug(model: type[models.Model], name: str, *, fallback: str) -> str:
    """A slug no `model` row has yet for an entry an import creates: "name", "name-2", …
    (`fallback` when the name has no letters a slug can keep)."""
    base = slugify(name)[:90] or fallback
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
