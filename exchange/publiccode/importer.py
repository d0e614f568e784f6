"""`manage.py import_publiccode FILE_OR_DIR…`: publiccode.yml → Software, and its `usedBy`
list → proposed usages.

One file is one unit: it is validated completely first, and written in its own savepoint, so an
invalid file leaves nothing behind and never stops the other files. The Software is found again
by its repository URL (the standard's unique identifier), then by name, so re-imports update
instead of duplicating. `usedBy` names are matched to municipalities by AGS or by name
(spelling-tolerant); every match becomes a *proposed* usage (source "import", the file as
`source_file`) that the municipality confirms or rejects; names that match nothing are
reported, never guessed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_noop

from exchange import report as rp
from exchange.matching import AMBIGUOUS, FUZZY, LOOSE, MunicipalityIndex, describe
from exchange.models import PubliccodeDocument
from exchange.publiccode import mapping
from exchange.publiccode.validate import validate
from exchange.text import free_slug
from hub import services
from hub.models import (
    Organization,
    OrganizationKind,
    Software,
    Usage,
    UsageSource,
    UsageStatus,
    Visibility,
)
from hub.services import Actor

SUFFIXES = (".yml", ".yaml")


def collect(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, directories searched recursively for *.yml / *.yaml."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES))
        else:
            found.append(path)
    return found


def import_publiccode_files(*, actor: Actor, paths: Iterable[str | Path], dry_run: bool = False,
                            progress: bool = False) -> rp.Report:
    files = collect(paths)
    report = rp.Report(", ".join(str(p) for p in paths) if not isinstance(paths, str) else str(paths),
                       dry_run=dry_run)
    items = []
    for path in files:
        try:
            items.append((str(path), path.read_bytes()))
        except OSError as exc:
            report.add_row(rp.RowResult(None, str(path), rp.REJECTED, issues=[rp.Issue(
                rp.INVALID_FORMAT, gettext_noop("Datei nicht lesbar: %(error)s"), {"error": exc.strerror})]))
    return import_publiccode(actor=actor, files=items, dry_run=dry_run, progress=progress, report=report)


def import_publiccode(*, actor: Actor, files: list[tuple[str, bytes]], dry_run: bool = False,
                      progress: bool = False, report: rp.Report | None = None) -> rp.Report:
    """Import publiccode.yml documents given as (name, bytes); one row per file in the report."""
    report = report or rp.Report(", ".join(name for name, _ in files), dry_run=dry_run)
    index: MunicipalityIndex | None = None
    with transaction.atomic():
        for name, data in rp.progress(files, total=len(files), desc="publiccode.yml", enabled=progress):
            checked = validate(data)
            if not checked.ok:
                report.add_row(rp.RowResult(None, name, rp.REJECTED, issues=checked.issues))
                continue
            index = index or MunicipalityIndex()
            try:
                with transaction.atomic():
                    result = _import_one(actor, name, data, checked.document, checked.version, index)
            except ValidationError as exc:
                result = rp.RowResult(None, name, rp.REJECTED,
                                      issues=rp.issues_from_validation(exc, prefix="software."))
            result.issues[:0] = checked.issues
            report.add_row(result)
        report.applied = not dry_run and report.counts[rp.CREATED] + report.counts[rp.UPDATED] > 0
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_one(actor: Actor, name: str, data: bytes, doc: dict[str, Any], version: str,
                index: MunicipalityIndex) -> rp.RowResult:
    result = rp.RowResult(None, name, rp.UNCHANGED)
    software = _find(doc)
    fields = _fields(doc, result)
    if software is None:
        vendor = _vendor(actor, doc, result)
        slug = free_slug(Software, doc["name"], fallback="software")
        software = services.software_create(actor=actor, slug=slug, vendor=vendor, **fields)
        result.action = rp.CREATED
    else:
        if software.vendor_id is None:
            fields["vendor"] = _vendor(actor, doc, result)
        if software.category.slug != mapping.FALLBACK_CATEGORY[1]:
            fields.pop("category")  # moderators' choice beats the lossy mapping
        changes = {k: (getattr(software, k), v) for k, v in fields.items() if getattr(software, k) != v}
        if changes:
            services.software_update(actor=actor, software=software, **{k: v for k, (_o, v) in changes.items()})
            result.action = rp.UPDATED
            result.changes = {k: (str(a), str(b)) for k, (a, b) in changes.items()}
    _store_document(software, doc, version, name, data)
    proposed = _used_by(actor, software, doc.get("usedBy") or [], name, index, result)
    if proposed and result.action == rp.UNCHANGED:
        result.action = rp.UPDATED
    if proposed:
        result.changes["usages"] = ("", ", ".join(proposed))
    return result


def _find(doc: dict[str, Any]) -> Software | None:
    repo = _normal_repo(doc["url"])
    for software in Software.objects.exclude(repository_url="").only("pk", "repository_url"):
        if _normal_repo(software.repository_url) == repo:
            return Software.objects.select_related("category").get(pk=software.pk)
    document = PubliccodeDocument.objects.filter(document__url=doc["url"]).select_related("software").first()
    if document:
        return document.software
    return Software.objects.select_related("category").filter(name__iexact=doc["name"]).first()


def _normal_repo(url: str) -> str:
    url = url.strip().lower().removesuffix("/").removesuffix(".git")
    return url.split("://", 1)[-1].removeprefix("www.")


def _fields(doc: dict[str, Any], result: rp.RowResult) -> dict[str, Any]:
    category, exact = mapping.resolve_category(list(doc.get("categories") or []))
    if not exact:
        result.issues.append(rp.Issue(rp.UNMATCHED, gettext_noop(
            "Keine der Kategorien %(categories)s passt zur Taxonomie des Hubs; eingeordnet unter "
            "„%(category)s“."), {"categories": ", ".join(doc.get("categories") or []) or "–",
                                 "category": category.name}, None, "categories", rp.WARNING))
    url = doc["url"]
    landing = doc.get("landingURL", "")
    return {
        "name": doc["name"][:200],
        "category": category,
        "description": mapping.description_markdown(doc.get("description") or {}),
        "licence": doc["legal"]["license"][:100],
        "is_open_source": True,
        "homepage": landing if landing.startswith(("http://", "https://")) else "",
        "repository_url": url if url.startswith(("http://", "https://")) else "",
        "platforms": mapping.platforms(doc)[:200],
        "aliases": ", ".join(mapping.localised_names(doc))[:300],
    }


def _vendor(actor: Actor, doc: dict[str, Any], result: rp.RowResult):
    name = mapping.vendor_name(doc)
    if not name:
        return None
    found = mapping.find_organization(name)
    if found:
        return found
    result.issues.append(rp.Issue(rp.UNMATCHED, gettext_noop(
        "Hersteller „%(name)s“ war unbekannt und wurde als Organisation angelegt."), {"name": name},
        None, "organisation.name", rp.WARNING))
    slug = free_slug(Organization, name, fallback="organisation")
    return services.organization_create(actor=actor, name=name[:200], slug=slug,
                                        kind=OrganizationKind.VENDOR)




def _store_document(software: Software, doc: dict[str, Any], version: str, name: str,
                    data: bytes) -> None:
    PubliccodeDocument.objects.update_or_create(software=software, defaults={
        "document": doc, "version": version, "source": name[:500],
        "sha256": hashlib.sha256(data).hexdigest()})


def _used_by(actor: Actor, software: Software, entries: list[str], source: str,
             index: MunicipalityIndex, result: rp.RowResult) -> list[str]:
    proposed: list[str] = []
    active = set(Usage.objects.filter(software=software).exclude(status=UsageStatus.RETIRED)
                 .values_list("municipality_id", flat=True))
    for n, entry in enumerate(entries):
        match = index.match(str(entry), fuzzy=True)
        path = f"usedBy[{n}]"
        if not match.found:
            if match.status == AMBIGUOUS:
                result.issues.append(rp.Issue(rp.AMBIGUOUS, gettext_noop(
                    "„%(name)s“ passt zu mehreren Kommunen (%(candidates)s); keine Nutzung angelegt."),
                    {"name": entry, "candidates": describe(match.candidates)}, None, path, rp.WARNING))
            else:
                result.issues.append(rp.Issue(rp.UNMATCHED, gettext_noop(
                    "„%(name)s“ ist keine bekannte deutsche Kommune; keine Nutzung angelegt."),
                    {"name": entry}, None, path, rp.WARNING))
            continue
        municipality = match.municipality
        if match.status in (FUZZY, LOOSE):
            result.issues.append(rp.Issue(rp.SUSPICIOUS, gettext_noop(
                "„%(name)s“ als %(municipality)s (%(ags)s) erkannt (ähnliche Schreibweise)."),
                {"name": entry, "municipality": municipality.name, "ags": municipality.ags}, None,
                path, rp.WARNING))
        if municipality.pk in active:
            continue
        services.usage_create(actor=actor, municipality=municipality, software=software,
                              source=UsageSource.IMPORT, status=UsageStatus.PRODUCTION,
                              visibility=Visibility.PUBLIC, source_file=Path(source).name[:300],
                              source_note=f"publiccode.yml usedBy: {entry}"[:500])
        active.add(municipality.pk)
        proposed.append(f"{municipality.name} ({municipality.ags})")
    return proposed
