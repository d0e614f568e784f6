"""Articles as Markdown files with YAML front matter, e.g. a git repository KDN members share.

    ---
    title: Wohngeld online mit dem EfA-Dienst
    slug: wohngeld-online-efa
    summary: Wie Erkrath den Antrag digitalisiert hat.
    kind: best_practice          # best_practice | guide | lessons_learned | procurement | strategy
    status: published            # draft | in_review | published | archived
    visibility: public           # public | members | private
    tags: [OZG, EfA]
    authors: [erika.muster]      # user names
    municipalities: ["05158004"] # AGS
    software: [sessionnet]       # slugs
    services: ["99107023017000"] # LeiKa keys (or OZG ids)
    collaborations: []           # slugs
    published: 2024-03-01T09:00:00+01:00
    demo: false
    ---
    Markdown text …

Import is idempotent (matched by slug; unchanged files write nothing), reports per file and
goes on after a bad one; references the hub does not know are reported and skipped.
Export writes the same format, so export → import → export is lossless.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from hub import errors
from knowledge import services
from knowledge.models import (
    Article,
    ArticleKind,
    ArticleStatus,
    ArticleVisibility,
)

KEYS = ("title", "slug", "summary", "kind", "status", "visibility", "tags", "authors",
        "municipalities", "software", "services", "collaborations", "published", "demo")
LIST_KEYS = ("tags", "authors", "municipalities", "software", "services", "collaborations")
CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"


class _Loader(yaml.SafeLoader):
    """YAML without implicit numbers: an unquoted AGS 05117000 would otherwise be read as an
    octal integer, a LeiKa key as a float-sized int. Everything numeric stays a string."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class FrontMatterError(ValueError):
    code = errors.INVALID_FRONT_MATTER


@dataclass
class FileResult:
    path: str
    status: str
    slug: str = ""
    messages: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def summary(self) -> str:
        return _("%(created)s neu, %(updated)s aktualisiert, %(unchanged)s unverändert, "
                 "%(failed)s fehlerhaft") % {
            "created": self.count(CREATED), "updated": self.count(UPDATED),
            "unchanged": self.count(UNCHANGED), "failed": self.count(FAILED)}


def parse(text: str) -> tuple[dict[str, Any], str]:
    """Split a file into (front matter, Markdown body); raise FrontMatterError if malformed."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if not text.startswith("---\n"):
        raise FrontMatterError(_("Die Datei beginnt nicht mit einem YAML-Kopf („---“)."))
    end = text.find("\n---\n", 3)
    if end == -1 and text.endswith("\n---"):
        end = len(text) - 4
    if end == -1:
        raise FrontMatterError(_("Der YAML-Kopf wird nicht mit „---“ abgeschlossen."))
    try:
        meta = yaml.load(text[4:end], Loader=_Loader) or {}  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise FrontMatterError(_("Der YAML-Kopf ist fehlerhaft: %(error)s") % {"error": exc}) from exc
    if not isinstance(meta, dict):
        raise FrontMatterError(_("Der YAML-Kopf muss aus Schlüssel: Wert-Paaren bestehen."))
    return meta, text[end + 5:]


def _check(meta: dict[str, Any]) -> None:
    unknown = sorted(set(map(str, meta)) - set(KEYS))
    if unknown:
        raise FrontMatterError(_("Unbekannte Felder im Kopf: %(keys)s (erlaubt: %(allowed)s).")
                               % {"keys": ", ".join(unknown), "allowed": ", ".join(KEYS)})
    if not str(meta.get("title") or "").strip():
        raise FrontMatterError(_("Der Titel („title“) fehlt."))
    for key, choices in (("kind", ArticleKind), ("status", ArticleStatus),
                         ("visibility", ArticleVisibility)):
        if key in meta and meta[key] not in choices.values:
            raise FrontMatterError(_("„%(value)s“ ist kein gültiger Wert für „%(key)s“ (erlaubt: "
                                     "%(allowed)s).") % {"value": meta[key], "key": key,
                                                         "allowed": ", ".join(choices.values)})
    for key in LIST_KEYS:
        if key in meta and not isinstance(meta[key], list | type(None)):
            raise FrontMatterError(_("„%(key)s“ muss eine Liste sein.") % {"key": key})


def _as_list(meta: dict[str, Any], key: str) -> list[str]:
    return [str(v) for v in meta.get(key) or []]


def _published(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    try:
        return _published(dt.datetime.fromisoformat(str(value)))
    except ValueError as exc:
        raise FrontMatterError(_("„published“ ist kein Datum: %(value)s") % {"value": value}) from exc


def _fields(meta: dict[str, Any], body: str, result: FileResult) -> dict[str, Any]:
    found, missing = services.resolve_links({k: _as_list(meta, k) for k in
                                             ("municipalities", "software", "services",
                                              "collaborations")})
    result.messages += [_("Unbekannter Verweis übersprungen: %(ref)s") % {"ref": ref}
                        for ref in missing]
    names = _as_list(meta, "authors")
    users = {u.get_username(): u for u in get_user_model().objects.filter(username__in=names)}
    result.messages += [_("Unbekannte Person übersprungen: %(name)s") % {"name": name}
                        for name in names if name not in users]
    return {"title": str(meta["title"]).strip(), "summary": str(meta.get("summary") or "").strip(),
            "body": body, "kind": meta.get("kind", ArticleKind.BEST_PRACTICE),
            "visibility": meta.get("visibility", ArticleVisibility.PUBLIC),
            "tags": _as_list(meta, "tags"), "authors": [users[n] for n in names if n in users],
            "is_demo": bool(meta.get("demo", False)), **found}


@transaction.atomic
def import_file(path: Path, root: Path) -> FileResult:
    result = FileResult(path=str(path.relative_to(root)), status=UNCHANGED)
    meta, body = parse(path.read_text(encoding="utf-8"))
    _check(meta)
    fields = _fields(meta, body, result)
    slug = str(meta.get("slug") or services.slug_for(path.stem))
    result.slug = slug
    status = meta.get("status", ArticleStatus.DRAFT)
    note = _("Import aus %(file)s") % {"file": result.path}
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        article = services.article_create(actor=None, slug=slug, status=status, note=note,
                                          **fields)
        result.status = CREATED
    else:
        before = article.revision
        services.article_update(actor=None, article=article, expected_revision=None, note=note,
                                **fields)
        services.article_set_status(actor=None, article=article, status=status, note=note)
        result.status = UPDATED if article.revision != before else UNCHANGED
    published = _published(meta.get("published"))
    if published and article.published_at != published:
        Article.objects.filter(pk=article.pk).update(published_at=published)
        result.status = UPDATED if result.status == UNCHANGED else result.status
    return result


def import_articles(directory: Path | str, *, progress: bool = False) -> ImportReport:
    """Import every *.md below `directory`; one bad file never stops the others."""
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(_("Verzeichnis %(dir)s gibt es nicht.") % {"dir": root})
    report = ImportReport()
    paths = sorted(root.rglob("*.md"))
    for path in tqdm(paths, desc=_("Artikel"), unit=_("Datei"), disable=not progress):
        try:
            report.files.append(import_file(path, root))
        except (FrontMatterError, ValidationError, PermissionDenied, UnicodeDecodeError,
                OSError) as exc:
            report.files.append(FileResult(path=str(path.relative_to(root)), status=FAILED,
                                           messages=_messages(exc)))
    _refresh_links(report)
    return report


def _refresh_links(report: ImportReport) -> None:
    """Files may link to articles imported after them: resolve those links once all exist."""
    slugs = [f.slug for f in report.files if f.status in (CREATED, UPDATED)]
    for article in Article.objects.filter(slug__in=slugs).exclude(broken_links=[]):
        services.article_refresh_links(article=article)


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [f"{name}: {msg}" for name, msgs in exc.message_dict.items() for msg in msgs]
        return list(exc.messages)
    return [str(exc)]


# --- export -------------------------------------------------------------------------------

def front_matter(article: Article) -> dict[str, Any]:
    links = services.links_of(article)
    return {
        "title": article.title, "slug": article.slug, "summary": article.summary,
        "kind": article.kind, "status": article.status, "visibility": article.visibility,
        "tags": sorted(article.tags.values_list("name", flat=True)),
        "authors": sorted(u.get_username() for u in article.authors.all()),
        **links,
        "published": article.published_at.isoformat() if article.published_at else None,
        "demo": article.is_demo,
    }


def to_markdown(article: Article) -> str:
    meta = yaml.safe_dump(front_matter(article), allow_unicode=True, sort_keys=False,
                          default_flow_style=None, width=100)
    return f"---\n{meta}---\n{article.body}"


def export_articles(directory: Path | str, *, progress: bool = False) -> int:
    """Write every article (all states: this is a backup and exchange format) as <slug>.md."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    articles = Article.objects.prefetch_related("tags", "authors").order_by("slug")
    count = 0
    for article in tqdm(articles, desc=_("Artikel"), unit=_("Datei"), disable=not progress):
        (root / f"{article.slug}.md").write_text(to_markdown(article), encoding="utf-8")
        count += 1
    return count
