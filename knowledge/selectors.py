"""Reads of the knowledge base with their visibility rules, shared by the API, the UI and the
commands. Full-text search lives in knowledge.search; these are the database reads."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from hub.permissions import User
from knowledge import markdown, permissions
from knowledge.models import (
    Article,
    ArticleKind,
    ArticleRevision,
    ArticleStatus,
    ArticleVisibility,
)


def article_list(*, user: User, filters: dict | None = None) -> QuerySet[Article]:
    """Articles the user may read, newest change first. Filters: kind, status, tag (slug),
    municipality (AGS), software (slug), author (user), demo (bool)."""
    filters = filters or {}
    qs = (Article.objects.filter(permissions.article_visibility_q(user))
          .prefetch_related("tags", "authors"))
    if kind := filters.get("kind"):
        qs = qs.filter(kind__in=_as_list(kind))
    if status := filters.get("status"):
        qs = qs.filter(status__in=_as_list(status))
    if tag := filters.get("tag"):
        qs = qs.filter(tags__slug__in=_as_list(tag))
    if ags := filters.get("municipality"):
        qs = qs.filter(municipalities__ags__in=_as_list(ags))
    if slug := filters.get("software"):
        qs = qs.filter(software__slug__in=_as_list(slug))
    if author := filters.get("author"):
        qs = qs.filter(authors=author)
    if "demo" in filters:
        qs = qs.filter(is_demo=filters["demo"])
    return qs.distinct()


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def article_get(*, user: User, slug: str) -> Article | None:
    return (Article.objects.filter(permissions.article_visibility_q(user), slug=slug)
            .prefetch_related("tags", "authors", "municipalities", "software", "services",
                              "collaborations")
            .first())


def article_revisions(*, user: User, article: Article) -> QuerySet[ArticleRevision]:
    """History for editors and moderators (it may contain unpublished drafts)."""
    if not permissions.can_edit_article(user, article):
        return ArticleRevision.objects.none()
    return article.revisions.select_related("author").order_by("-number")


@dataclass
class FieldDiff:
    field: str
    label: str
    old: str
    new: str
    unified: list[str] = field(default_factory=list)


_LABELS = {"title": "Titel", "summary": "Zusammenfassung", "body": "Text", "kind": "Art",
           "status": "Status", "visibility": "Sichtbarkeit", "tags": "Schlagwörter",
           "links": "Verknüpfungen"}


def _as_text(revision: ArticleRevision, name: str) -> str:
    value = getattr(revision, name)
    if name == "kind":
        return str(ArticleKind(value).label)
    if name == "status":
        return str(ArticleStatus(value).label)
    if name == "visibility":
        return str(ArticleVisibility(value).label)
    if name == "tags":
        return "\n".join(value)
    if name == "links":
        return "\n".join(f"{kind}: {key}" for kind, keys in sorted(value.items()) for key in keys)
    return value or ""


def article_diff(*, user: User, article: Article, old: int, new: int) -> list[FieldDiff]:
    """What changed between any two revisions, field by field (unified diff for text)."""
    revisions = {r.number: r for r in article_revisions(user=user, article=article)
                 .filter(number__in=[old, new])}
    if old not in revisions or new not in revisions:
        return []
    a, b = revisions[old], revisions[new]
    diffs = []
    for name, label in _LABELS.items():
        before, after = _as_text(a, name), _as_text(b, name)
        if before == after:
            continue
        unified = list(difflib.unified_diff(
            before.splitlines(), after.splitlines(), fromfile=f"r{old}", tofile=f"r{new}",
            lineterm=""))
        diffs.append(FieldDiff(field=name, label=_(label), old=before, new=after, unified=unified))
    return diffs


def article_broken_links(*, user: User, article: Article) -> list[dict]:
    """Internal links that resolve to nothing, with a message, for the article's editors."""
    if not permissions.can_edit_article(user, article):
        return []
    return [{**item, "message": markdown.broken_link_message(item)} for item in article.broken_links]


def articles_for_entity(*, user: User, entity: Model) -> QuerySet[Article]:
    """Articles linked to, or mentioning, a municipality, software, service, organisation,
    collaboration or article: for "Erfahrungsberichte" on entity pages."""
    kind = entity._meta.model_name
    field_name = {"municipality": "municipalities", "software": "software",
                  "service": "services", "collaboration": "collaborations"}.get(kind)
    mention = {"article": "mentions__target_article"}.get(kind, f"mentions__{kind}")
    ids = set(Article.objects.filter(**{mention: entity}).values_list("pk", flat=True))
    if field_name:
        ids.update(Article.objects.filter(**{field_name: entity}).values_list("pk", flat=True))
    return article_list(user=user).filter(pk__in=ids)


def article_editors(*, article: Article) -> QuerySet:
    """Authors plus granted co-editors (for the edit page's sharing box)."""
    return permissions.granted_users(article) | article.authors.all()
