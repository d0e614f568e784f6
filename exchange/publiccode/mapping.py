"""Between publiccode.yml and the hub's Software: categories, descriptions, vendors.

The hub has one controlled taxonomy (SoftwareCategory, edited by moderators). A publiccode
category maps onto it by name; the first category of a file with a match wins, and a file
without any goes to "Sonstige" so nothing is rejected for a taxonomy gap.
"""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from exchange.text import fold
from hub.models import Organization, SoftwareCategory

FALLBACK_CATEGORY = ("Sonstige", "sonstige")

# publiccode.yml category → names (or slugs) of hub categories, best first.
CATEGORY_MAP: dict[str, list[str]] = {
    "document-management": ["DMS / E-Akte", "Dokumentenmanagement", "E-Akte"],
    "digital-asset-management": ["DMS / E-Akte"],
    "whistleblowing": ["Hinweisgebersystem"],
    "geographic-information-systems": ["Geoinformation", "GIS"],
    "data-visualization": ["Geoinformation"],
    "video-conferencing": ["Videokonferenz"],
    "web-conferencing": ["Videokonferenz"],
    "appointment-scheduling": ["Terminvergabe", "Terminfindung"],
    "online-booking": ["Terminvergabe"],
    "time-management": ["Terminfindung"],
    "event-management": ["Terminfindung"],
    "project-management": ["Projektmanagement"],
    "agile-project-management": ["Projektmanagement"],
    "enterprise-project-management": ["Projektmanagement"],
    "project-collaboration": ["Projektmanagement", "Arbeitsplatz / Groupware"],
    "knowledge-management": ["Wissensmanagement"],
    "identity-management": ["Identity", "Identity / Portal"],
    "workflow-management": ["Workflow / Prozessplattform"],
    "business-process-management": ["Workflow / Prozessplattform"],
    "service-desk": ["Ticketing / Service Desk"],
    "help-desk": ["Ticketing / Service Desk"],
    "it-service-management": ["Ticketing / Service Desk"],
    "customer-service-and-support": ["Ticketing / Service Desk", "Mängelmelder"],
    "feedback-and-reviews-management": ["Mängelmelder", "Bürgerbeteiligung"],
    "instant-messaging": ["Arbeitsplatz / Chat"],
    "communications": ["Arbeitsplatz / Chat", "Arbeitsplatz / Groupware"],
    "email-management": ["Arbeitsplatz / Groupware"],
    "collaboration": ["Arbeitsplatz / Groupware", "Arbeitsplatz / Dateiablage"],
    "web-collaboration": ["Arbeitsplatz / Groupware"],
    "office": ["Arbeitsplatz / Office"],
    "productivity-suite": ["Arbeitsplatz / Office", "KI-Assistenz"],
    "content-management": ["Arbeitsplatz / Dateiablage", "Website / CMS"],
    "accounting": ["Finanzwesen"],
    "budgeting": ["Finanzwesen"],
    "billing-and-invoicing": ["Finanzwesen"],
    "financial-reporting": ["Finanzwesen"],
    "taxes-management": ["Finanzwesen"],
    "payroll": ["Personalwesen", "Finanzwesen"],
    "hr": ["Personalwesen"],
    "digital-citizenship": ["Bürgerbeteiligung", "OZG-Portal"],
    "online-community": ["Bürgerbeteiligung"],
    "survey": ["Bürgerbeteiligung"],
    "e-signature": ["OZG-Portal"],
    "predictive-analysis": ["KI-Assistenz"],
    "data-analytics": ["KI-Assistenz", "Geoinformation"],
    "regulations-and-directives": ["Ratsinformationssystem"],
    "task-management": ["Mängelmelder", "Projektmanagement"],
}


def resolve_category(codes: list[str]) -> tuple[SoftwareCategory, bool]:
    """(category, exact): the first mapped hub category that exists, else the fallback."""
    categories = list(SoftwareCategory.objects.all())
    by_key = {fold(c.name): c for c in categories} | {c.slug: c for c in categories}
    for code in codes:
        for name in CATEGORY_MAP.get(code, []):
            found = by_key.get(fold(name)) or by_key.get(slugify(name))
            if found:
                return found, True
    category = by_key.get(FALLBACK_CATEGORY[1])
    if category is None:
        category, _ = SoftwareCategory.objects.get_or_create(
            slug=FALLBACK_CATEGORY[1], defaults={"name": FALLBACK_CATEGORY[0], "position": 999})
    return category, False


def publiccode_categories(category: SoftwareCategory) -> list[str]:
    """The reverse direction, for exports: every publiccode category mapping onto ours."""
    keys = {fold(category.name), category.slug}
    found = [code for code, names in CATEGORY_MAP.items()
             if any(fold(n) in keys or slugify(n) in keys for n in names)]
    return found[:3] or ["other"]


def preferred_language(description: dict[str, Any]) -> str | None:
    """German first (the hub's language), then English, then whatever comes first."""
    langs = [lang for lang in description if isinstance(description.get(lang), dict)]
    for wanted in ("de", "en"):
        for lang in langs:
            if lang.split("-")[0].lower() == wanted:
                return lang
    return langs[0] if langs else None


def description_markdown(description: dict[str, Any]) -> str:
    """The hub's Markdown description from the preferred language of the file."""
    lang = preferred_language(description)
    if lang is None:
        return ""
    text = description[lang]
    parts = [str(text.get("shortDescription", "")).strip(), str(text.get("longDescription", "")).strip()]
    features = [str(f).strip() for f in text.get("features") or [] if str(f).strip()]
    if features:
        parts.append("\n".join(f"- {f}" for f in features))
    return "\n\n".join(p for p in parts if p)


def vendor_name(doc: dict[str, Any]) -> str:
    """Who makes it: organisation, else the repository or copyright owner, else a contractor."""
    organisation = doc.get("organisation") or {}
    legal = doc.get("legal") or {}
    contractors = (doc.get("maintenance") or {}).get("contractors") or []
    for candidate in (organisation.get("name"), legal.get("repoOwner"),
                      legal.get("mainCopyrightOwner"),
                      contractors[0].get("name") if contractors else None):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return ""


def find_organization(name: str) -> Organization | None:
    key = fold(name)
    for org in Organization.objects.only("pk", "name", "aliases", "slug"):
        names = [org.name, org.slug] + [a for a in org.aliases.replace(";", ",").split(",") if a.strip()]
        if any(fold(n) == key for n in names):
            return org
    return None


def localised_names(doc: dict[str, Any]) -> list[str]:
    names = []
    for text in (doc.get("description") or {}).values():
        if isinstance(text, dict) and isinstance(text.get("localisedName"), str):
            name = text["localisedName"].strip()
            if name and fold(name) != fold(doc.get("name", "")) and name not in names:
                names.append(name)
    return names


def platforms(doc: dict[str, Any]) -> str:
    value = doc.get("platforms")
    items = [value] if isinstance(value, str) else list(value or [])
    return ", ".join(str(p) for p in items)
