"""A municipality's software inventory as CSV: one row per product.

Columns (German or English headers, any order, `;` `,` or tab separated):
Produkt/product, Hersteller/vendor, Kategorie/category, Status/status, seit/since,
Leistungen/services, betrieben von/operated by, Zufriedenheit/satisfaction,
Anmerkungen/notes, and optionally Sichtbarkeit/visibility.

`inventory_import()` is the one entry point for the command and the web upload: it checks size,
encoding and every row, then runs the real services (usage_create / usage_update) inside one
transaction that is rolled back for a dry run or when any row is rejected — so the dry-run
report says exactly what the real run will do, and a file is applied completely or not at all.
Importing the same file twice changes nothing; importing an export changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from exchange import report as rp
from exchange.text import decode, fold, free_slug, parse_date, read_table, unsafe_cell, write_csv
from hub import errors, selectors, services
from hub.models import (
    Municipality,
    Organization,
    OrganizationKind,
    Service,
    Software,
    SoftwareCategory,
    Usage,
    UsageStatus,
    Visibility,
)
from hub.permissions import User
from hub.services import Actor

COLUMNS: dict[str, set[str]] = {
    "municipality": {"AGS", "Kommune", "Gemeindeschlüssel", "ags"},
    "product": {"Produkt", "Software", "Produktname", "Verfahren"},
    "vendor": {"Hersteller", "Anbieter"},
    "category": {"Kategorie", "Bereich"},
    "status": {"Status"},
    "since": {"seit", "im Einsatz seit", "Einführung"},
    "services": {"Leistungen", "OZG-Leistungen", "Online-Dienste"},
    "operated_by": {"betrieben von", "Betreiber", "IT-Dienstleister", "operated by"},
    "satisfaction": {"Zufriedenheit"},
    "notes": {"Anmerkungen", "Bemerkungen", "Notizen"},
    "visibility": {"Sichtbarkeit"},
}
ORDER = ["product", "vendor", "category", "status", "since", "services", "operated_by",
         "satisfaction", "notes", "visibility"]
HEADERS = {
    "de": ["Produkt", "Hersteller", "Kategorie", "Status", "seit", "Leistungen", "betrieben von",
           "Zufriedenheit", "Anmerkungen", "Sichtbarkeit"],
    "en": ["product", "vendor", "category", "status", "since", "services", "operated by",
           "satisfaction", "notes", "visibility"],
}
STATUS_WORDS: dict[str, list[str]] = {
    UsageStatus.EVALUATING: ["in Prüfung", "Prüfung", "Evaluierung", "evaluating", "Test"],
    UsageStatus.PLANNED: ["geplant", "planned", "Planung"],
    UsageStatus.PILOT: ["Pilot", "Pilotbetrieb", "pilot"],
    UsageStatus.PRODUCTION: ["im Einsatz", "Einsatz", "Produktion", "produktiv", "production",
                             "in use", "aktiv"],
    UsageStatus.RETIRED: ["abgelöst", "außer Betrieb", "ehemals", "retired", "eingestellt"],
}
VISIBILITY_WORDS = {Visibility.PUBLIC: ["öffentlich", "public"],
                    Visibility.MEMBERS: ["nur Mitglieder", "Mitglieder", "members", "members only"]}
SERVICE_SEPARATORS = re.compile(r"\s*[|;\n]\s*")
# Files with more rows than this take the bulk path (exchange.inventory_bulk).
BULK_ABOVE = 500
CHUNK = 2000


def _word_map(words: dict[str, list[str]], choices: type[models.TextChoices]) -> dict[str, str]:
    """Folded word -> choice value: the synonyms above, the values, and the labels in every
    language the hub speaks, so an export in any language imports again."""
    result = {fold(w): k for k, ws in words.items() for w in ws + [k]}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for choice in choices:
                result.setdefault(fold(str(choice.label)), choice.value)
    return result


def inventory_template(*, lang: str = "de") -> str:
    """The header row to start an inventory from (semicolon-separated, as Excel expects)."""
    return write_csv([], HEADERS.get(lang, HEADERS["de"]))


def inventory_export(*, user: User, municipality: Municipality, lang: str = "de") -> str:
    """The usages `user` may see, in the import format (so export → edit → import works)."""
    usages = (selectors.municipality_usages(user=user, municipality=municipality)
              .select_related("operated_by").order_by("software__name", "status"))
    rows = []
    with translation.override(lang):
        for u in usages:
            rows.append([
                u.software.name, u.software.vendor.name if u.software.vendor else "",
                u.software.category.name, str(UsageStatus(u.status).label),
                u.since.isoformat() if u.since else "",
                " | ".join(_service_token(s) for s in u.services.all()),
                u.operated_by.name if u.operated_by else "",
                u.satisfaction or "", u.notes, str(Visibility(u.visibility).label),
            ])
    return write_csv(rows, HEADERS.get(lang, HEADERS["de"]))


def _service_token(service: Service) -> str:
    return service.leika_key or service.ozg_id or service.name


@dataclass
class _Row:
    line: int
    product: str
    municipality: Municipality | None = None
    software: Software | None = None
    new_software: dict[str, Any] | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    services: list[Service] | None = None
    issues: list[rp.Issue] = field(default_factory=list)

    def reject(self, code: str, template: str, column: str, **params: Any) -> None:
        self.issues.append(rp.Issue(code, template, params, self.line, column))

    def warn(self, code: str, template: str, column: str, **params: Any) -> None:
        self.issues.append(rp.Issue(code, template, params, self.line, column, rp.WARNING))

    @property
    def ok(self) -> bool:
        return not any(i.level == rp.ERROR for i in self.issues)


def inventory_import(*, actor: Actor, municipality: Municipality | None, data: bytes,
                     filename: str, dry_run: bool, create_software: bool = True,
                     max_bytes: int | None = -1, max_rows: int | None = -1,
                     progress: bool = False) -> rp.Report:
    """Check and apply an inventory CSV (see module docstring).

    With `municipality` the file is that municipality's inventory; without, every row names
    its municipality in an AGS column (an IT provider's inventory of all its clients). Limits
    default to the settings (uploads); `None` lifts them (command line). Callers check that
    `actor` may edit the municipalities; the services decide provenance (the municipality's
    own editors confirm, others propose). Large files take the bulk path (same rules, same
    report, written in batches)."""
    max_bytes = settings.IMPORT_MAX_BYTES if max_bytes == -1 else max_bytes
    max_rows = settings.IMPORT_MAX_ROWS if max_rows == -1 else max_rows
    report = rp.Report(filename, dry_run=dry_run)
    if max_bytes is not None and len(data) > max_bytes:
        report.error(rp.FILE_TOO_LARGE, gettext_noop(
            "Die Datei ist %(size)s KB groß; erlaubt sind höchstens %(limit)s KB."),
            size=len(data) // 1024, limit=max_bytes // 1024)
        return report
    decoded = decode(data, report)
    if decoded is None:
        return report
    required = {"product"} | ({"municipality"} if municipality is None else set())
    table = read_table(decoded.text, report, columns=COLUMNS, required=required,
                       max_rows=max_rows, lazy=True)
    if table is None:
        return report
    bulk = decoded.text.count("\n") > BULK_ABOVE
    report.keep_rows = not bulk
    lookups = _Lookups(municipality)
    seen: dict[tuple[int, str], int] = {}
    rows_iter = rp.progress(table.rows, total=decoded.text.count("\n"), desc=filename,
                            enabled=progress)
    with transaction.atomic():
        for chunk in _batched(rows_iter, CHUNK):
            rows = [_parse(line, cells, lookups, create_software, municipality)
                    for line, cells in chunk]
            _mark_duplicates(rows, seen)
            if bulk:
                from exchange.inventory_bulk import apply_rows

                apply_rows(rows, actor=actor, look=lookups, report=report, filename=filename)
            else:
                for row in rows:
                    report.add_row(_apply(row, actor, lookups, filename))
        if report.ok and not dry_run:
            report.applied = True
        else:
            transaction.set_rollback(True)
    return report


def _batched(items: Any, size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _Lookups:
    """Everything rows refer to, loaded once per file (names folded once)."""

    def __init__(self, municipality: Municipality | None) -> None:
        self.software: dict[str, Software] = {}
        for s in Software.objects.select_related("vendor", "category"):
            for name in [s.name, s.slug, *s.aliases.replace(";", ",").split(",")]:
                if name.strip():
                    self.software.setdefault(fold(name), s)
        self.orgs: dict[str, Organization] = {}
        for o in Organization.objects.all():
            for name in [o.name, o.slug, *o.aliases.replace(";", ",").split(",")]:
                if name.strip():
                    self.orgs.setdefault(fold(name), o)
        categories = list(SoftwareCategory.objects.all())
        self.categories = {fold(c.name): c for c in categories} | {c.slug: c for c in categories}
        self.services: dict[str, Service] = {}
        for s in Service.objects.only("pk", "name", "leika_key", "ozg_id", "kind"):
            if s.leika_key:
                self.services[s.leika_key] = s
            if s.kind == "ozg":
                self.services[s.ozg_id] = s
        self._service_names: dict[str, Service] | None = None
        self.municipality = municipality
        self.municipalities: dict[str, Municipality | None] = {}
        self._usages: dict[int, list[Usage]] = {}
        self.statuses = _word_map(STATUS_WORDS, UsageStatus)
        self.visibility = _word_map(VISIBILITY_WORDS, Visibility)

    def service(self, token: str) -> Service | None:
        found = self.services.get(token.replace(" ", ""))
        if found is None:
            if self._service_names is None:  # folding 6,000 names only when a name is used
                self._service_names = {}
                for s in Service.objects.only("pk", "name", "leika_key", "ozg_id", "kind"):
                    self._service_names.setdefault(fold(s.name), s)
            found = self._service_names.get(fold(token))
        return found

    def municipality_for(self, ags: str) -> Municipality | None:
        if ags not in self.municipalities:
            self.municipalities[ags] = Municipality.objects.filter(ags=ags).first()
        return self.municipalities[ags]

    def preload(self, municipality_ids: set[int]) -> None:
        missing = municipality_ids - set(self._usages)
        if not missing:
            return
        for pk in missing:
            self._usages[pk] = []
        for usage in (Usage.objects.filter(municipality_id__in=missing)
                      .prefetch_related("services").order_by("-updated_at", "-pk")):
            self._usages[usage.municipality_id].append(usage)

    def forget_usages(self) -> None:
        """Bulk path: drop the previous chunk's usages (memory stays flat; a municipality seen
        again is re-read, with the rows just written)."""
        self._usages.clear()

    def usages(self, municipality: Municipality) -> list[Usage]:
        self.preload({municipality.pk})
        return self._usages[municipality.pk]


def _parse(line: int, cells: dict[str, str], look: _Lookups, create_software: bool,
           municipality: Municipality | None) -> _Row:
    cells = {k: unsafe_cell(v) for k, v in cells.items()}
    row = _Row(line, cells["product"], municipality)
    ags = cells.get("municipality", "")
    if ags:
        row.municipality = look.municipality_for(ags)
        if row.municipality is None:
            row.reject(rp.UNMATCHED, gettext_noop("Keine Kommune mit dem AGS „%(value)s“."),
                       "municipality", value=ags)
        elif municipality is not None and row.municipality != municipality:
            row.reject(errors.INVALID, gettext_noop(
                "Die Zeile gehört zu %(other)s, die Datei aber zu %(municipality)s."),
                "municipality", other=row.municipality.name, municipality=municipality.name)
    elif municipality is None:
        row.reject(rp.REQUIRED, gettext_noop("Der AGS der Kommune fehlt."), "municipality")
    if not row.product:
        row.reject(rp.REQUIRED, gettext_noop("Das Produkt fehlt."), "product")
        return row
    row.software = look.software.get(fold(row.product))
    category = look.categories.get(fold(cells.get("category", ""))) or look.categories.get(
        slugify(cells.get("category", "")))
    vendor_name = cells.get("vendor", "")
    if row.software is None:
        if not create_software:
            row.reject(rp.UNMATCHED, gettext_noop("Das Produkt „%(value)s“ ist im Hub nicht bekannt."),
                       "product", value=row.product)
        elif category is None:
            row.reject(rp.UNMATCHED, gettext_noop(
                "Das Produkt „%(value)s“ ist neu; zum Anlegen eine bekannte Kategorie angeben "
                "(„%(category)s“ gibt es nicht)."), "category", value=row.product,
                category=cells.get("category", ""))
        else:
            row.new_software = {"name": row.product[:200], "category": category,
                                "vendor_name": vendor_name}
    else:
        vendor = row.software.vendor
        if vendor_name and vendor and fold(vendor_name) not in {fold(vendor.name), vendor.slug}:
            row.warn(rp.SUSPICIOUS, gettext_noop(
                "Hersteller laut Hub: „%(hub)s“, laut Datei: „%(file)s“ (nicht geändert)."),
                "vendor", hub=vendor.name, file=vendor_name)
    _parse_fields(row, cells, look)
    return row


def _parse_fields(row: _Row, cells: dict[str, str], look: _Lookups) -> None:
    if "status" in cells:
        status = look.statuses.get(fold(cells["status"])) if cells["status"] else UsageStatus.PRODUCTION
        if status is None:
            row.reject(rp.UNKNOWN_VALUE, gettext_noop(
                "Unbekannter Status „%(value)s“ (erlaubt: in Prüfung, geplant, Pilot, im Einsatz, abgelöst)."),
                "status", value=cells["status"])
        row.fields["status"] = status
    if "since" in cells:
        try:
            row.fields["since"] = parse_date(cells["since"])
        except ValueError:
            row.reject(errors.INVALID, gettext_noop(
                "„%(value)s“ ist kein Datum (z. B. 2019-03-01, 01.03.2019 oder 2019)."),
                "since", value=cells["since"])
    if "satisfaction" in cells:
        raw = cells["satisfaction"]
        if raw and not (raw.isdigit() and 1 <= int(raw) <= 5):
            row.reject(errors.OUT_OF_RANGE, gettext_noop(
                "Zufriedenheit „%(value)s“: erlaubt sind die Zahlen 1 bis 5."), "satisfaction", value=raw)
        else:
            row.fields["satisfaction"] = int(raw) if raw else None
    if "operated_by" in cells:
        name = cells["operated_by"]
        org = look.orgs.get(fold(name)) if name else None
        if name and org is None:
            row.reject(rp.UNMATCHED, gettext_noop(
                "Betreiber „%(value)s“ ist keine bekannte Organisation."), "operated_by", value=name)
        row.fields["operated_by"] = org
    if "notes" in cells:
        row.fields["notes"] = cells["notes"]
    if "visibility" in cells and cells["visibility"]:
        visibility = look.visibility.get(fold(cells["visibility"]))
        if visibility is None:
            row.reject(rp.UNKNOWN_VALUE, gettext_noop(
                "Unbekannte Sichtbarkeit „%(value)s“ (erlaubt: öffentlich, nur Mitglieder)."),
                "visibility", value=cells["visibility"])
        row.fields["visibility"] = visibility
    if "services" in cells:
        row.services = []
        for token in SERVICE_SEPARATORS.split(cells["services"].strip()):
            if not token:
                continue
            service = look.service(token)
            if service is None:
                row.reject(rp.UNMATCHED, gettext_noop(
                    "Leistung „%(value)s“ ist unbekannt (LeiKa-Schlüssel, OZG-ID oder genauer Name)."),
                    "services", value=token)
            elif service not in row.services:
                row.services.append(service)


def _mark_duplicates(rows: list[_Row], first: dict[tuple[int, str], int]) -> None:
    for row in rows:
        if not row.product or row.municipality is None:
            continue
        key = (row.municipality.pk, f"pk:{row.software.pk}" if row.software else fold(row.product))
        if key in first:
            row.reject(errors.DUPLICATE, gettext_noop(
                "„%(value)s“ steht schon in Zeile %(first)s."), "product", value=row.product,
                first=first[key])
        else:
            first[key] = row.line


def _apply(row: _Row, actor: Actor, look: _Lookups, filename: str) -> rp.RowResult:
    if not row.ok:
        return rp.RowResult(row.line, row.product, rp.REJECTED, issues=row.issues)
    try:
        with transaction.atomic():
            return _write(row, actor, look, filename)
    except ValidationError as exc:
        return rp.RowResult(row.line, row.product, rp.REJECTED,
                            issues=row.issues + rp.issues_from_validation(exc, row=row.line))


def row_fields(row: _Row) -> dict[str, Any]:
    """The usage fields a valid row sets (empty cells clear since/satisfaction/operator)."""
    fields = {k: v for k, v in row.fields.items()
              if v is not None or k in {"since", "satisfaction", "operated_by"}}
    fields.setdefault("status", UsageStatus.PRODUCTION)
    if row.services is not None:
        fields["services"] = row.services
    return fields


def ensure_software(row: _Row, actor: Actor, look: _Lookups) -> None:
    if row.software is None and row.new_software:
        row.software = _create_software(row, actor, look)
        row.issues.append(rp.Issue(rp.UNMATCHED, gettext_noop(
            "Produkt „%(value)s“ neu im Katalog angelegt (Kategorie %(category)s)."),
            {"value": row.product, "category": row.software.category.name}, row.line,
            "product", rp.WARNING))


def _write(row: _Row, actor: Actor, look: _Lookups, filename: str) -> rp.RowResult:
    ensure_software(row, actor, look)
    fields = row_fields(row)
    usage = existing_usage(look.usages(row.municipality), row.software, fields["status"])
    if usage is None:
        fields = {k: v for k, v in fields.items() if v not in (None, "", [])}
        created = services.usage_create(actor=actor, municipality=row.municipality,
                                        software=row.software, source_file=filename[:300],
                                        **fields)
        look.usages(row.municipality).insert(0, created)
        return rp.RowResult(row.line, row.product, rp.CREATED, issues=row.issues)
    changes = usage_changes(usage, fields)
    if not changes:
        return rp.RowResult(row.line, row.product, rp.UNCHANGED, issues=row.issues)
    services.usage_update(actor=actor, usage=usage, **{k: new for k, (_old, new) in changes.items()})
    return rp.RowResult(row.line, row.product, rp.UPDATED,
                        {k: (show(a), show(b)) for k, (a, b) in changes.items()}, row.issues)


def _create_software(row: _Row, actor: Actor, look: _Lookups) -> Software:
    spec = dict(row.new_software or {})
    vendor_name = spec.pop("vendor_name")
    vendor = look.orgs.get(fold(vendor_name)) if vendor_name else None
    if vendor_name and vendor is None:
        vendor = services.organization_create(actor=actor, name=vendor_name[:200],
                                              slug=free_slug(Organization, vendor_name,
                                                             fallback="eintrag"),
                                              kind=OrganizationKind.VENDOR)
        look.orgs[fold(vendor_name)] = vendor
        row.warn(rp.UNMATCHED, gettext_noop("Hersteller „%(value)s“ neu angelegt."), "vendor",
                 value=vendor_name)
    slug = free_slug(Software, spec["name"], fallback="eintrag")
    software = services.software_create(actor=actor, slug=slug, vendor=vendor, **spec)
    look.software[fold(software.name)] = software
    return software


def existing_usage(usages: list[Usage], software: Software, status: str) -> Usage | None:
    """The active usage of this product; for a retired row, else the latest retired one."""
    mine = [u for u in usages if u.software_id == software.pk]
    active = [u for u in mine if u.status != UsageStatus.RETIRED]
    if active:
        return active[0]
    if status == UsageStatus.RETIRED and mine:
        return mine[0]
    return None


def usage_changes(usage: Usage, fields: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    changes = {}
    for key, new in fields.items():
        if key == "services":
            old = sorted(s.pk for s in usage.services.all())
            if old != sorted(s.pk for s in new):
                changes[key] = (list(usage.services.all()), new)
            continue
        old = getattr(usage, key)
        if (old or None) != (new or None):
            changes[key] = (old, new)
    return changes


def show(value: Any) -> Any:
    if isinstance(value, list):
        return " | ".join(_service_token(s) for s in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Organization | Software):
        return value.name
    return value


def status_label(value: str, lang: str = "de") -> str:
    with translation.override(lang):
        return gettext(UsageStatus(value).label)
