"""Software categories, the 57 real products with their vendors, and the sourced usages.

The product list comes from hub/data/municipal_software_products.csv (one Software per distinct
`product` string, kept exactly as written so that the curated usages in software_usages.csv can
name it). Its free-text `domain` is mapped onto the hub's controlled taxonomy.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from hub.demo.sync import field_key, german_slug, read_csv, unique_slugs, upsert
from hub.models import (
    Municipality,
    Organization,
    OrganizationKind,
    Software,
    SoftwareCategory,
    Usage,
    UsageSource,
    UsageStatus,
    Visibility,
)

# (name, description): the order is the display order.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("Ratsinformationssystem", "Sitzungsdienst, Ratsinformation, Mandatsträger-Apps"),
    ("Einwohnerwesen", "Melde-, Pass- und Ausweiswesen"),
    ("Standesamt", "Personenstandswesen"),
    ("Wahlen", "Wahlorganisation und Ergebnisermittlung"),
    ("Finanzwesen", "Haushalt, Kasse, Doppik, Vollstreckung"),
    ("Personalwesen", "Personalverwaltung und -abrechnung"),
    ("Sozialwesen", "Sozialleistungen, Wohngeld, Jugendhilfe"),
    ("DMS / E-Akte", "Dokumentenmanagement und elektronische Akte"),
    ("Workflow", "Prozessautomatisierung und Formularplattformen"),
    ("Bürgerportal / OZG", "Serviceportale und Online-Dienste nach dem OZG"),
    ("Terminvergabe", "Online-Terminbuchung für Bürgerinnen und Bürger"),
    ("Bürgerbeteiligung", "Beteiligungsplattformen"),
    ("Mängelmelder / Anliegenmanagement", "Meldungen von Bürgerinnen und Bürgern"),
    ("Geoinformation", "GIS, Geoportale, Kartenclients"),
    ("Schul-IT", "Schulverwaltung und pädagogische IT"),
    ("Kommunikation / Kollaboration", "Office, Dateiablage, Chat, Videokonferenz"),
    ("Projekt- und Wissensmanagement", "Projektplanung, Wikis"),
    ("Identität / IAM", "Anmeldung, Verzeichnisdienste, Portale"),
    ("KI-Assistenz", "Sprachmodelle und Assistenten für die Verwaltung"),
    ("IT-Service-Management", "Ticketsysteme und Service-Desk"),
    ("Hinweisgebersystem", "Meldestellen nach dem Hinweisgeberschutzgesetz"),
    ("Sonstiges", "Alles, was in keine andere Kategorie passt"),
)
OTHER = "Sonstiges"

# `domain` column of the product list → category name.
DOMAIN_CATEGORY: dict[str, str] = {
    "Ratsinformationssystem": "Ratsinformationssystem",
    "Einwohnermeldewesen": "Einwohnerwesen",
    "Online-Dienst Meldewesen": "Bürgerportal / OZG",
    "Finanzwesen": "Finanzwesen",
    "DMS / E-Akte": "DMS / E-Akte",
    "Standesamt": "Standesamt",
    "Wahlen": "Wahlen",
    "Geoinformation": "Geoinformation",
    "Videokonferenz": "Kommunikation / Kollaboration",
    "Arbeitsplatz / Office": "Kommunikation / Kollaboration",
    "Arbeitsplatz / Dateiablage": "Kommunikation / Kollaboration",
    "Arbeitsplatz / Groupware": "Kommunikation / Kollaboration",
    "Arbeitsplatz / Chat": "Kommunikation / Kollaboration",
    "Terminfindung": "Kommunikation / Kollaboration",
    "Projektmanagement": "Projekt- und Wissensmanagement",
    "Wissensmanagement": "Projekt- und Wissensmanagement",
    "Identity": "Identität / IAM",
    "Identity / Portal": "Identität / IAM",
    "KI-Assistenz": "KI-Assistenz",
    "Workflow / Prozessplattform": "Workflow",
    "Terminvergabe": "Terminvergabe",
    "Bürgerbeteiligung": "Bürgerbeteiligung",
    "Ticketing / Service Desk": "IT-Service-Management",
    "OZG-Portal": "Bürgerportal / OZG",
    "OZG-Übersicht": "Bürgerportal / OZG",
    "Hinweisgebersystem": "Hinweisgebersystem",
    "Mängelmelder": "Mängelmelder / Anliegenmanagement",
}

_LEGAL_FORMS = re.compile(r"\s+(GmbH & Co\. KG|GmbH|mbH|AG|SE|SAS|eG|AöR)$")
_LICENCES = re.compile(r"\b(AGPL-3\.0|GPL-3\.0|LGPL-3\.0|EUPL-1\.2|MPL-2\.0|Apache-2\.0|MIT)\b")
# Spellings the simple rule cannot unify, and vendors that are organisations we already know.
VENDOR_ALIASES: dict[str, str] = {"INFOMA": "Axians Infoma", "HSH": "HSH Soft- und Hardware "
                                  "Vertriebs", "KDN": "kdn"}
NO_VENDOR = {"", "various"}


@dataclass(frozen=True)
class Counts:
    categories: int
    vendors: int
    software: int
    usages: int


def load_categories() -> dict[str, SoftwareCategory]:
    """The controlled taxonomy, keyed by name."""
    rows = [{"name": name, "slug": german_slug(text=name), "description": text,
             "position": (i + 1) * 10}
            for i, (name, text) in enumerate(CATEGORIES)]
    saved = upsert(queryset=SoftwareCategory.objects.all(), rows=rows, key=field_key("slug"),
                   fields=["name", "description", "position"])
    return {obj.name: obj for obj in saved.values()}


def load_software() -> Counts:
    """Categories, vendors and products from the product list, then the sourced usages."""
    categories = load_categories()
    rows = read_csv(name="municipal_software_products.csv")
    vendors = _load_vendors(rows=rows)
    products = _load_products(rows=rows, categories=categories, vendors=vendors)
    usages = load_real_usages(products={s.name: s for s in products})
    return Counts(categories=len(categories), vendors=len(vendors), software=len(products),
                  usages=usages)


def vendor_name(*, raw: str) -> str:
    """The simple normalisation rule: drop parentheses, keep the first of several parties
    ("Somacos / Komm.ONE", "INFOMA via ITEBO"), drop the legal form, then apply aliases."""
    text = re.sub(r"\([^)]*\)", "", raw)
    parts = [p.strip() for p in re.split(r"\s+/\s+|\s+via\s+|\s+\+\s+", text) if p.strip()]
    name = _LEGAL_FORMS.sub("", parts[0]) if parts else ""
    return VENDOR_ALIASES.get(name, name)


def _load_vendors(*, rows: list[dict[str, str]]) -> dict[str, Organization]:
    """One Organization per normalised vendor; an existing organisation with the same slug
    (the KDN) is reused as it is."""
    names = _unique(vendor_name(raw=r["vendor"]) for r in rows)
    names = [n for n in names if n.lower() not in NO_VENDOR]
    slugs = {n: (n if n == "kdn" else german_slug(text=n)) for n in names}
    existing = Organization.objects.in_bulk(list(slugs.values()), field_name="slug")
    result: dict[str, Organization] = {}
    for name in names:
        org = existing.get(slugs[name])
        if org is None and name == "kdn":
            continue  # the KDN comes with the organizations section
        if org is None:
            org = Organization.objects.create(name=name, slug=slugs[name],
                                              kind=OrganizationKind.VENDOR)
        elif org.kind == OrganizationKind.VENDOR and org.name != name:
            org.name = name
            org.save(update_fields=["name", "updated_at"])
        result[name] = org
    return result


def _load_products(*, rows: list[dict[str, str]], categories: dict[str, SoftwareCategory],
                   vendors: dict[str, Organization]) -> list[Software]:
    by_product: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_product.setdefault(row["product"], []).append(row)
    slugs = unique_slugs(names=by_product)
    data = [_product_row(name=name, rows=group, slug=slugs[name], categories=categories,
                         vendors=vendors) for name, group in by_product.items()]
    saved = upsert(queryset=Software.objects.filter(slug__in=slugs.values()), rows=data,
                   key=field_key("slug"),
                   fields=["name", "category_id", "vendor_id", "is_open_source", "licence",
                           "homepage", "repository_url", "description"])
    return list(saved.values())


def _product_row(*, name: str, rows: list[dict[str, str]], slug: str,
                 categories: dict[str, SoftwareCategory],
                 vendors: dict[str, Organization]) -> dict:
    first = rows[0]
    open_source = first["open_source"]
    licence = _LICENCES.search(open_source)
    github = next((r["source_url"] for r in rows if "github.com/" in r["source_url"]), "")
    vendor = vendors.get(vendor_name(raw=first["vendor"]))
    category = categories[DOMAIN_CATEGORY.get(first["domain"], OTHER)]
    return {
        "name": name,
        "slug": slug,
        "category_id": category.pk,
        "vendor_id": vendor.pk if vendor else None,
        "is_open_source": open_source.lower().startswith("yes"),
        "licence": licence.group(1) if licence else "",
        "homepage": "",
        "repository_url": github,
        "description": _description(rows=rows),
        "is_demo": False,
    }


def _description(*, rows: list[dict[str, str]]) -> str:
    """Markdown: what the source says, with links, so readers can check every claim."""
    lines = [f"- {r['evidence']} ([Quelle]({r['source_url']}))" for r in rows]
    return "\n".join(lines)


def load_real_usages(*, products: dict[str, Software]) -> int:
    """Usages from software_usages.csv: public evidence, proposed until the municipality
    confirms them."""
    rows = read_csv(name="software_usages.csv")
    municipalities = Municipality.objects.in_bulk({r["ags"] for r in rows}, field_name="ags")
    data = [_usage_row(row=r, products=products, municipalities=municipalities)
            for r in rows if r["ags"] in municipalities]
    saved = upsert(queryset=Usage.objects.filter(source=UsageSource.PUBLIC_EVIDENCE), rows=data,
                   key=field_key("municipality_id", "software_id", "status"),
                   fields=["since", "successor_id", "source_url", "source_note"])
    return len(saved)


def _usage_row(*, row: dict[str, str], products: dict[str, Software],
               municipalities: dict[str, Municipality]) -> dict:
    successor = products.get(row["successor_product"]) if row["successor_product"] else None
    return {
        "municipality_id": municipalities[row["ags"]].pk,
        "software_id": products[row["product"]].pk,
        "status": row["status"] or UsageStatus.PRODUCTION,
        "since": dt.date(int(row["since"]), 1, 1) if row["since"] else None,
        "successor_id": successor.pk if successor else None,
        "source": UsageSource.PUBLIC_EVIDENCE,
        "source_url": row["source_url"],
        "source_note": row["note"][:500],
        "is_confirmed": False,
        "visibility": Visibility.PUBLIC,
    }


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
