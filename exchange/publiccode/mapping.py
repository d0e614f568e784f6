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

FALLBACK_CATEGORY = ("Sonstiges", "sonstiges")

# Hub category (the demo taxonomy, hub/demo/software.py) ← publiccode.yml categories, listed
# per hub category for readability; turned into publiccode → hub names below.
_HUB_CATEGORIES: dict[str, list[str]] = {
    "Finanzwesen": ["accounting", "budgeting", "billing-and-invoicing", "financial-reporting",
                    "taxes-management", "grant-management", "procurement"],
    "Personalwesen": ["hr", "payroll", "employee-management", "talent-management",
                      "applicant-tracking"],
    "DMS / E-Akte": ["document-management", "digital-asset-management", "e-signature"],
    "Workflow": ["workflow-management", "business-process-management"],
    "Bürgerportal / OZG": ["digital-citizenship", "payment-gateway", "mobile-payment"],
    "Terminvergabe": ["appointment-scheduling", "online-booking", "visitor-management",
                      "event-management", "time-management"],
    "Bürgerbeteiligung": ["survey", "online-community", "feedback-and-reviews-management"],
    "Mängelmelder / Anliegenmanagement": ["customer-service-and-support", "call-center-management"],
    "Geoinformation": ["geographic-information-systems", "cad"],
    "Schul-IT": ["educational-content", "learning-management-system"],
    "Kommunikation / Kollaboration": [
        "office", "productivity-suite", "collaboration", "web-collaboration", "instant-messaging",
        "video-conferencing", "web-conferencing", "email-management", "communications", "voip",
        "enterprise-social-networking", "content-management", "website-builder", "blog"],
    "Projekt- und Wissensmanagement": ["project-management", "agile-project-management",
                                       "enterprise-project-management", "project-collaboration",
                                       "knowledge-management", "task-management", "mind-mapping"],
    "Identität / IAM": ["identity-management"],
    "KI-Assistenz": ["predictive-analysis"],
    "IT-Service-Management": ["it-service-management", "service-desk", "help-desk",
                              "it-management", "it-asset-management", "remote-support",
                              "network-management", "cloud-management", "backup", "it-security"],
    "Hinweisgebersystem": ["whistleblowing"],
    "Ratsinformationssystem": ["regulations-and-directives"],
    "Wahlen": [],
    "Einwohnerwesen": [],
    "Standesamt": [],
    "Sozialwesen": [],
}
CATEGORY_MAP: dict[str, list[str]] = {}
for _hub, _codes in _HUB_CATEGORIES.items():
    for _code in _codes:
        CATEGORY_MAP.setdefault(_code, []).append(_hub)


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
    for name, codes in _HUB_CATEGORIES.items():
        if (fold(name) in keys or slugify(name) in keys) and codes:
            return codes[:3]
    return ["other"]


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
    """Who makes it: organisation, else the repository or copyright owner, else a contractor,
    else the affiliation of a maintainer."""
    organisation = doc.get("organisation") or {}
    legal = doc.get("legal") or {}
    contractors = (doc.get("maintenance") or {}).get("contractors") or []
    contacts = (doc.get("maintenance") or {}).get("contacts") or []
    affiliations = [c.get("affiliation") for c in contacts if isinstance(c, dict)]
    for candidate in (organisation.get("name"), legal.get("repoOwner"),
                      legal.get("mainCopyrightOwner"),
                      contractors[0].get("name") if contractors else None, *affiliations):
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
