"""A Software entry back as publiccode.yml (`manage.py export_publiccode SLUG`).

Imported entries start from the stored document, so nothing the hub has no field for is lost,
and the hub's current values (name, URLs, licence, platforms, description) are written over it.
Entries created in the hub are built from their fields; keys the hub does not know get the
documented defaults (developmentStatus "stable", softwareType "standalone/other",
maintenance "none"). The result is validated with the same checks as an import: an entry
lacking what the standard requires (a repository URL, an SPDX licence, a long enough
description) is reported field by field instead of being exported invalid.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from exchange import report as rp
from exchange.models import PubliccodeDocument
from exchange.publiccode import mapping
from exchange.publiccode import schema as sc
from exchange.publiccode.validate import Validated, validate
from hub.models import Software, UsageStatus, Visibility


def software_publiccode(*, software: Software) -> tuple[str, Validated]:
    """(YAML text, validation result of that text)."""
    stored = PubliccodeDocument.objects.filter(software=software).first()
    doc = copy.deepcopy(stored.document) if stored else _skeleton(software)
    doc["name"] = software.name
    if software.repository_url:
        doc["url"] = software.repository_url
    if software.homepage:
        doc["landingURL"] = software.homepage
    if software.licence:
        doc.setdefault("legal", {})["license"] = software.licence
    if software.platforms:
        doc["platforms"] = [p.strip() for p in software.platforms.split(",") if p.strip()]
    _description(doc, software)
    _used_by(doc, software)
    text = yaml.safe_dump(_ordered(doc), allow_unicode=True, sort_keys=False, width=100)
    return text, validate(text.encode())


def _skeleton(software: Software) -> dict[str, Any]:
    return {
        "publiccodeYmlVersion": sc.LATEST,
        "name": software.name,
        "url": software.repository_url or software.homepage,
        "platforms": ["web"],
        "categories": mapping.publiccode_categories(software.category),
        "developmentStatus": "stable",
        "softwareType": "standalone/other",
        "description": {},
        "legal": {"license": software.licence},
        "maintenance": {"type": "none"},
        "localisation": {"localisationReady": False, "availableLanguages": ["de"]},
        **({"organisation": {"name": software.vendor.name, "uri": software.vendor.website}}
           if software.vendor and software.vendor.website else {}),
    }


def _description(doc: dict[str, Any], software: Software) -> None:
    """Keep the file's texts if the hub's description is still the one derived from them;
    otherwise the hub's text becomes the description of the preferred language."""
    descriptions = doc.setdefault("description", {})
    if descriptions and mapping.description_markdown(descriptions) == software.description:
        return
    lang = mapping.preferred_language(descriptions) or "de"
    text = descriptions.setdefault(lang, {})
    body = software.description.strip()
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    features = [line[2:].strip() for p in paragraphs for line in p.splitlines()
                if line.startswith(("- ", "* "))]
    prose = [p for p in paragraphs if not all(line.startswith(("- ", "* ")) for line in p.splitlines())]
    short = (prose[0] if prose else software.name).replace("\n", " ")
    text["shortDescription"] = short if len(short) <= 150 else short[:147].rstrip() + "…"
    text["longDescription"] = "\n\n".join(prose)
    if features:
        text["features"] = features
    text.setdefault("features", [text["shortDescription"]])


def _used_by(doc: dict[str, Any], software: Software) -> None:
    """Add municipalities whose *confirmed*, public, active usage the hub knows."""
    names = list(doc.get("usedBy") or [])
    known = {n.casefold() for n in names}
    usages = (software.usages.filter(is_confirmed=True, visibility=Visibility.PUBLIC,
                                     status__in=[UsageStatus.PILOT, UsageStatus.PRODUCTION])
              .select_related("municipality").order_by("municipality__name"))
    for usage in usages:
        name = usage.municipality.name
        if name.casefold() not in known and not any(usage.municipality.ags in n for n in names):
            names.append(name)
            known.add(name.casefold())
    if names:
        doc["usedBy"] = names


ORDER = ["publiccodeYmlVersion", "name", "applicationSuite", "url", "landingURL", "isBasedOn",
         "softwareVersion", "releaseDate", "logo", "platforms", "categories", "usedBy", "roadmap",
         "developmentStatus", "softwareType", "supports", "intendedAudience", "description",
         "legal", "maintenance", "localisation", "dependsOn", "organisation", "fundedBy"]


def _ordered(doc: dict[str, Any]) -> dict[str, Any]:
    """The standard's key order, so exported files read like hand-written ones."""
    out = {k: doc[k] for k in ORDER if k in doc}
    out.update({k: v for k, v in doc.items() if k not in out})
    return out


def render_issues(checked: Validated, lang: str | None = None) -> list[str]:
    return [i.render(lang) for i in checked.issues if i.level == rp.ERROR]
