"""Open data export: everything public, one CSV and one JSON file per entity, plus a data
dictionary as a Frictionless Data Package (`datapackage.json`, what open-data portals such as
GovData read) and a German/English `DATENLEXIKON.md` for people.

What is public is decided where the web UI decides it: usages come from the `usage_list`
selector for an anonymous visitor (members-only usages never leave), collaborations only when
public. Contacts are personal data and are not exported at all — nor is the contact or the
creator of a usage. CSV text cells that start with = + - @ get a leading apostrophe so that a
spreadsheet never runs them as formulas (numbers and dates are written as they are).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from exchange.models import AdminArea
from exchange.text import safe_cell
from hub import selectors
from hub.models import (
    Collaboration,
    Lebenslage,
    Membership,
    Municipality,
    Organization,
    Service,
    Software,
    SoftwareCategory,
    State,
    Themenfeld,
    Visibility,
)

LICENSE = {"name": "dl-de-by-2.0", "title": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
           "path": "https://www.govdata.de/dl-de/by-2-0"}
SOURCES = [
    {"title": "Gemeindeverzeichnis-Informationssystem GV-ISys, © Statistisches Bundesamt (Destatis), "
              "dl-de/by-2-0, Daten verändert", "path": "https://www.destatis.de/"},
    {"title": "OZG-Umsetzungskatalog und LeiKa über die KDN OZG-Datenbank NRW (MIT)",
     "path": "https://github.com/kdn-nrw/OZG-Datenbank-NRW"},
    {"title": "Software und Nutzungen: öffentliche Quellen, je Datensatz mit URL", "path": ""},
]


@dataclass
class Field:
    name: str
    type: str  # Table Schema types: string, integer, number, boolean, date, datetime
    de: str
    en: str


@dataclass
class Entity:
    name: str
    de: str
    en: str
    fields: list[Field]
    rows: Callable[[], Iterator[dict[str, Any]]]
    key: str = ""
    foreign: list[tuple[str, str, str]] = field(default_factory=list)  # (field, resource, key)


def F(name: str, type_: str, de: str, en: str) -> Field:  # noqa: N802 - reads like a table
    return Field(name, type_, de, en)


def _states() -> Iterator[dict[str, Any]]:
    yield from State.objects.order_by("code").values("code", "name")


def _municipalities() -> Iterator[dict[str, Any]]:
    qs = Municipality.objects.order_by("ags").values(
        "ags", "ars", "name", "short_name", "kind", "state__code", "parent__ags", "population",
        "area_km2", "postal_code", "website", "latitude", "longitude", "description",
        "merged_into__ags", "dissolved_on", "is_demo")
    for row in qs.iterator(chunk_size=2000):
        row["land"] = row.pop("state__code")
        row["kreis_ags"] = row.pop("parent__ags")
        row["aufgegangen_in_ags"] = row.pop("merged_into__ags")
        yield row


def _admin_areas() -> Iterator[dict[str, Any]]:
    for row in AdminArea.objects.order_by("level", "key").values(
            "level", "key", "name", "text_code", "state__code", "dissolved_on").iterator(chunk_size=2000):
        row["land"] = row.pop("state__code")
        yield row


def _organizations() -> Iterator[dict[str, Any]]:
    yield from Organization.objects.order_by("slug").values(
        "slug", "name", "kind", "legal_form", "seat", "website", "description", "aliases",
        "source_url", "is_demo")


def _memberships() -> Iterator[dict[str, Any]]:
    for row in Membership.objects.order_by("pk").values(
            "pk", "organization__slug", "member_municipality__ags", "member_organization__slug",
            "role", "since", "until", "note", "source_url"):
        yield {"id": row["pk"], "organisation": row["organization__slug"],
               "mitglied_ags": row["member_municipality__ags"],
               "mitglied_organisation": row["member_organization__slug"], "role": row["role"],
               "since": row["since"], "until": row["until"], "note": row["note"],
               "source_url": row["source_url"]}


def _categories() -> Iterator[dict[str, Any]]:
    yield from SoftwareCategory.objects.order_by("position", "name").values(
        "slug", "name", "description", "position")


def _software() -> Iterator[dict[str, Any]]:
    for row in Software.objects.order_by("slug").values(
            "slug", "name", "vendor__slug", "category__slug", "licence", "is_open_source",
            "homepage", "repository_url", "publiccode_url", "description", "aliases",
            "platforms", "is_demo"):
        row["hersteller"] = row.pop("vendor__slug")
        row["kategorie"] = row.pop("category__slug")
        yield row


def _themenfelder() -> Iterator[dict[str, Any]]:
    yield from Themenfeld.objects.order_by("number").values("number", "name")


def _lebenslagen() -> Iterator[dict[str, Any]]:
    for row in Lebenslage.objects.order_by("number").values("number", "name", "themenfeld__number"):
        row["themenfeld"] = row.pop("themenfeld__number")
        yield row


def _services() -> Iterator[dict[str, Any]]:
    for row in Service.objects.order_by("pk").values(
            "pk", "kind", "leika_key", "ozg_id", "name", "typisierung", "ozg_service__ozg_id",
            "themenfeld__number", "lebenslage__number").iterator(chunk_size=2000):
        yield {"id": row["pk"], "kind": row["kind"], "leika_key": row["leika_key"],
               "ozg_id": row["ozg_id"], "name": row["name"], "typisierung": row["typisierung"],
               "ozg_leistung": row["ozg_service__ozg_id"], "themenfeld": row["themenfeld__number"],
               "lebenslage": row["lebenslage__number"]}


def _usages() -> Iterator[dict[str, Any]]:
    """Public usages only, through the same selector the web UI uses for anonymous visitors."""
    visible = selectors.usage_list(user=AnonymousUser())
    through = visible.model.services.through
    services: dict[int, list[int]] = defaultdict(list)
    for usage_id, service_id in (through.objects.filter(usage__in=visible.values("pk"))
                                 .order_by("service_id").values_list("usage_id", "service_id")
                                 .iterator(chunk_size=5000)):
        services[usage_id].append(service_id)
    for row in visible.order_by("pk").values(
            "pk", "municipality__ags", "software__slug", "status", "since", "until",
            "operated_by__slug", "satisfaction", "notes", "source", "source_url", "source_note",
            "is_confirmed", "last_confirmed_at", "successor__slug", "target_date",
            "open_to_joint_procurement", "is_demo", "updated_at").iterator(chunk_size=2000):
        yield {"id": row["pk"], "ags": row["municipality__ags"], "software": row["software__slug"],
               "services": " ".join(str(s) for s in services.get(row["pk"], [])),
               "status": row["status"], "since": row["since"], "until": row["until"],
               "operated_by": row["operated_by__slug"], "satisfaction": row["satisfaction"],
               "notes": row["notes"], "source": row["source"], "source_url": row["source_url"],
               "source_note": row["source_note"], "is_confirmed": row["is_confirmed"],
               "last_confirmed_at": row["last_confirmed_at"], "successor": row["successor__slug"],
               "target_date": row["target_date"],
               "open_to_joint_procurement": row["open_to_joint_procurement"],
               "is_demo": row["is_demo"], "updated_at": row["updated_at"]}


def _collaborations() -> Iterator[dict[str, Any]]:
    qs = (Collaboration.objects.filter(visibility=Visibility.PUBLIC).order_by("slug")
          .select_related("lead_municipality", "lead_organization")
          .prefetch_related("municipalities", "organizations", "software", "services"))
    for c in qs:
        yield {"slug": c.slug, "title": c.title, "topic": c.topic, "status": c.status,
               "lead_ags": c.lead_municipality.ags if c.lead_municipality else None,
               "lead_organisation": c.lead_organization.slug if c.lead_organization else None,
               "municipalities": " ".join(sorted(m.ags for m in c.municipalities.all())),
               "organisations": " ".join(sorted(o.slug for o in c.organizations.all())),
               "software": " ".join(sorted(s.slug for s in c.software.all())),
               "services": " ".join(str(s.pk) for s in sorted(c.services.all(), key=lambda s: s.pk)),
               "start": c.start, "end": c.end, "description": c.description, "is_demo": c.is_demo}


_DEMO = F("is_demo", "boolean", "Demodaten (fiktiv)", "demo data (fictional)")

ENTITIES: list[Entity] = [
    Entity("laender", "Länder", "federal states", [
        F("code", "string", "Länderschlüssel (01–16)", "state code (01–16)"),
        F("name", "string", "Name", "name")], _states, "code"),
    Entity("kommunen", "Kommunen (Gemeinden, Städte, Kreise)", "municipalities and districts", [
        F("ags", "string", "Amtlicher Gemeindeschlüssel (8 Ziffern)", "official municipality key (8 digits)"),
        F("ars", "string", "Amtlicher Regionalschlüssel (12 Ziffern)", "official regional key (12 digits)"),
        F("name", "string", "amtlicher Name", "official name"),
        F("short_name", "string", "Kurzname", "short name"),
        F("kind", "string", "Art (gemeinde, stadt, kreisfreie_stadt, kreis, …)", "kind"),
        F("population", "integer", "Einwohner", "population"),
        F("area_km2", "number", "Fläche in km²", "area in km²"),
        F("postal_code", "string", "Postleitzahl", "postal code"),
        F("website", "string", "Website", "website"),
        F("latitude", "number", "Breitengrad (WGS 84)", "latitude (WGS 84)"),
        F("longitude", "number", "Längengrad (WGS 84)", "longitude (WGS 84)"),
        F("description", "string", "Profiltext (Markdown)", "profile (Markdown)"),
        F("dissolved_on", "date", "aufgelöst am", "dissolved on"),
        _DEMO,
        F("land", "string", "Länderschlüssel → laender.code", "state → laender.code"),
        F("kreis_ags", "string", "Kreis → kommunen.ags", "district → kommunen.ags"),
        F("aufgegangen_in_ags", "string", "aufgegangen in → kommunen.ags", "merged into → kommunen.ags"),
    ], _municipalities, "ags", [("land", "laender", "code"), ("kreis_ags", "kommunen", "ags")]),
    Entity("verwaltungsebenen", "Regierungsbezirke, Regionen, Gemeindeverbände",
           "administrative districts, regions, municipal associations", [
        F("level", "string", "Ebene (rb, region, verband)", "level"),
        F("key", "string", "Schlüssel (ARS-Präfix)", "key (ARS prefix)"),
        F("name", "string", "Name", "name"),
        F("text_code", "string", "Textkennzeichen (GV-ISys)", "GV-ISys text code"),
        F("dissolved_on", "date", "aufgelöst am", "dissolved on"),
        F("land", "string", "Länderschlüssel → laender.code", "state → laender.code"),
    ], _admin_areas, "", [("land", "laender", "code")]),
    Entity("organisationen", "Organisationen (IT-Dienstleister, Verbände, Hersteller)", "organisations", [
        F("slug", "string", "Kennung", "identifier"), F("name", "string", "Name", "name"),
        F("kind", "string", "Art", "kind"), F("legal_form", "string", "Rechtsform", "legal form"),
        F("seat", "string", "Sitz", "seat"), F("website", "string", "Website", "website"),
        F("description", "string", "Beschreibung", "description"),
        F("aliases", "string", "weitere Namen", "other names"),
        F("source_url", "string", "Quelle", "source"), _DEMO], _organizations, "slug"),
    Entity("mitgliedschaften", "Mitgliedschaften und Betreuung", "memberships", [
        F("id", "integer", "Kennung", "identifier"),
        F("organisation", "string", "Organisation → organisationen.slug", "organisation"),
        F("mitglied_ags", "string", "Mitglied (Kommune) → kommunen.ags", "member municipality"),
        F("mitglied_organisation", "string", "Mitglied (Organisation) → organisationen.slug", "member organisation"),
        F("role", "string", "Rolle (member, carrier, client, partner)", "role"),
        F("since", "date", "seit", "since"), F("until", "date", "bis", "until"),
        F("note", "string", "Anmerkung", "note"), F("source_url", "string", "Quelle", "source"),
    ], _memberships, "id", [("organisation", "organisationen", "slug"), ("mitglied_ags", "kommunen", "ags")]),
    Entity("softwarekategorien", "Software-Kategorien", "software categories", [
        F("slug", "string", "Kennung", "identifier"), F("name", "string", "Name", "name"),
        F("description", "string", "Beschreibung", "description"),
        F("position", "integer", "Reihenfolge", "order")], _categories, "slug"),
    Entity("software", "Software-Produkte", "software products", [
        F("slug", "string", "Kennung", "identifier"), F("name", "string", "Name", "name"),
        F("licence", "string", "Lizenz (SPDX)", "licence (SPDX)"),
        F("is_open_source", "boolean", "Open Source", "open source"),
        F("homepage", "string", "Website", "website"),
        F("repository_url", "string", "Quellcode-Repository", "source repository"),
        F("publiccode_url", "string", "publiccode.yml", "publiccode.yml"),
        F("description", "string", "Beschreibung (Markdown)", "description (Markdown)"),
        F("aliases", "string", "weitere Namen", "other names"),
        F("platforms", "string", "Plattformen", "platforms"), _DEMO,
        F("hersteller", "string", "Hersteller → organisationen.slug", "vendor"),
        F("kategorie", "string", "Kategorie → softwarekategorien.slug", "category"),
    ], _software, "slug", [("hersteller", "organisationen", "slug"), ("kategorie", "softwarekategorien", "slug")]),
    Entity("themenfelder", "OZG-Themenfelder", "OZG topics", [
        F("number", "integer", "Nummer", "number"), F("name", "string", "Name", "name")],
        _themenfelder, "number"),
    Entity("lebenslagen", "OZG-Lebenslagen", "OZG life situations", [
        F("number", "integer", "Nummer", "number"), F("name", "string", "Name", "name"),
        F("themenfeld", "integer", "Themenfeld → themenfelder.number", "topic")],
        _lebenslagen, "number", [("themenfeld", "themenfelder", "number")]),
    Entity("leistungen", "Verwaltungsleistungen (OZG und LeiKa)", "public services (OZG and LeiKa)", [
        F("id", "integer", "Kennung", "identifier"), F("kind", "string", "Art (ozg, leika)", "kind"),
        F("leika_key", "string", "LeiKa-Schlüssel (leer: nicht im LeiKa)", "LeiKa key"),
        F("ozg_id", "string", "OZG-ID", "OZG id"), F("name", "string", "Name", "name"),
        F("typisierung", "string", "Typisierung", "type"),
        F("ozg_leistung", "string", "OZG-Leistung (OZG-ID) einer LeiKa-Leistung", "OZG service of a LeiKa service"),
        F("themenfeld", "integer", "Themenfeld → themenfelder.number", "topic"),
        F("lebenslage", "integer", "Lebenslage → lebenslagen.number", "life situation")],
        _services, "id"),
    Entity("nutzungen", "Nutzungen: welche Kommune welche Software einsetzt (nur öffentliche)",
           "usages: which municipality uses which software (public only)", [
        F("id", "integer", "Kennung", "identifier"),
        F("ags", "string", "Kommune → kommunen.ags", "municipality"),
        F("software", "string", "Software → software.slug", "software"),
        F("services", "string", "Leistungen (leistungen.id, durch Leerzeichen getrennt)", "services (space-separated ids)"),
        F("status", "string", "Status (evaluating, planned, pilot, production, retired)", "status"),
        F("since", "date", "seit", "since"), F("until", "date", "bis", "until"),
        F("operated_by", "string", "betrieben von → organisationen.slug", "operated by"),
        F("satisfaction", "integer", "Zufriedenheit 1–5", "satisfaction 1–5"),
        F("notes", "string", "Anmerkungen", "notes"),
        F("source", "string", "Herkunft der Angabe", "provenance"),
        F("source_url", "string", "Beleg (URL)", "evidence (URL)"),
        F("source_note", "string", "Beleg", "evidence"),
        F("is_confirmed", "boolean", "von der Kommune bestätigt", "confirmed by the municipality"),
        F("last_confirmed_at", "datetime", "zuletzt bestätigt", "last confirmed"),
        F("successor", "string", "abgelöst durch → software.slug", "replaced by"),
        F("target_date", "date", "Zieldatum (geplant)", "target date (planned)"),
        F("open_to_joint_procurement", "boolean", "offen für gemeinsame Beschaffung", "open to joint procurement"),
        _DEMO, F("updated_at", "datetime", "zuletzt geändert", "last changed"),
    ], _usages, "id", [("ags", "kommunen", "ags"), ("software", "software", "slug")]),
    Entity("kooperationen", "Interkommunale Kooperationen (nur öffentliche)", "collaborations (public only)", [
        F("slug", "string", "Kennung", "identifier"), F("title", "string", "Titel", "title"),
        F("topic", "string", "Thema", "topic"), F("status", "string", "Status", "status"),
        F("lead_ags", "string", "federführende Kommune → kommunen.ags", "lead municipality"),
        F("lead_organisation", "string", "federführende Organisation → organisationen.slug", "lead organisation"),
        F("municipalities", "string", "beteiligte Kommunen (AGS, durch Leerzeichen getrennt)", "municipalities"),
        F("organisations", "string", "beteiligte Organisationen (Slugs)", "organisations"),
        F("software", "string", "Software (Slugs)", "software"),
        F("services", "string", "Leistungen (leistungen.id)", "services"),
        F("start", "date", "Beginn", "start"), F("end", "date", "Ende", "end"),
        F("description", "string", "Beschreibung (Markdown)", "description"), _DEMO,
    ], _collaborations, "slug"),
]


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _csv_value(value: Any, type_: str) -> str:
    if value is None:
        return ""
    if type_ == "boolean":
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return safe_cell(value) if type_ == "string" else str(value)


def export_open_data(*, directory: Path) -> dict[str, int]:
    """Write `<entity>.csv`, `<entity>.json`, `datapackage.json` and `DATENLEXIKON.md`
    into `directory`; returns rows per entity."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for entity in ENTITIES:
        names = [f.name for f in entity.fields]
        types = {f.name: f.type for f in entity.fields}
        n = 0
        with (directory / f"{entity.name}.csv").open("w", encoding="utf-8", newline="") as out_csv, \
                (directory / f"{entity.name}.json").open("w", encoding="utf-8") as out_json:
            writer = csv.writer(out_csv, lineterminator="\n")
            writer.writerow(names)
            out_json.write("[")
            for row in entity.rows():
                writer.writerow([_csv_value(row.get(k), types[k]) for k in names])
                record = {k: _json_value(row.get(k)) for k in names}
                out_json.write(("," if n else "") + "\n" + json.dumps(record, ensure_ascii=False))
                n += 1
            out_json.write("\n]\n")
        counts[entity.name] = n
    (directory / "datapackage.json").write_text(
        json.dumps(datapackage(counts), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (directory / "DATENLEXIKON.md").write_text(dictionary_markdown(counts), encoding="utf-8")
    return counts


def datapackage(counts: dict[str, int]) -> dict[str, Any]:
    """Frictionless Data Package: the machine-readable data dictionary."""
    resources = []
    for e in ENTITIES:
        schema: dict[str, Any] = {"fields": [
            {"name": f.name, "type": f.type, "title": f.de, "description": f.en} for f in e.fields]}
        if e.key:
            schema["primaryKey"] = [e.key]
        if e.foreign:
            schema["foreignKeys"] = [{"fields": [f], "reference": {"resource": r, "fields": [k]}}
                                     for f, r, k in e.foreign]
        for fmt, media in (("csv", "text/csv"), ("json", "application/json")):
            resources.append({"name": f"{e.name}-{fmt}", "path": f"{e.name}.{fmt}", "format": fmt,
                              "mediatype": media, "encoding": "utf-8", "title": e.de,
                              "description": e.en, "profile": "tabular-data-resource" if fmt == "csv" else "data-resource",
                              **({"schema": schema} if fmt == "csv" else {}),
                              "count": counts.get(e.name, 0)})
    return {"profile": "tabular-data-package", "name": "kommunalhub",
            "title": "Kommunalhub – Software und Verfahren deutscher Kommunen",
            "description": "Öffentliche Daten des Kommunalhubs: Kommunen, Organisationen, Software, "
                           "Leistungen, Nutzungen und Kooperationen. Keine personenbezogenen Daten.",
            "created": timezone.now().isoformat(timespec="seconds"),
            "licenses": [LICENSE], "sources": SOURCES, "resources": resources}


def dictionary_markdown(counts: dict[str, int]) -> str:
    lines = ["# Datenlexikon / data dictionary", "",
             "Öffentliche Daten des Kommunalhubs, je Tabelle als CSV (UTF-8, Komma) und JSON. "
             "Textzellen, die mit = + - @ beginnen, sind in der CSV mit ' maskiert. Nutzungen und "
             "Kooperationen nur, soweit öffentlich; Ansprechpersonen werden nie exportiert.", "",
             f"Lizenz: {LICENSE['title']} ({LICENSE['path']}).", ""]
    for e in ENTITIES:
        lines += [f"## {e.name} — {e.de}", "", f"*{e.en}* · {counts.get(e.name, 0)} rows"
                  + (f" · key `{e.key}`" if e.key else ""), "",
                  "| Feld / field | Typ / type | Bedeutung | meaning |", "|---|---|---|---|"]
        lines += [f"| `{f.name}` | {f.type} | {f.de} | {f.en} |" for f in e.fields]
        lines.append("")
    return "\n".join(lines)
