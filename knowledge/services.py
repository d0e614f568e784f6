"""Writes of the knowledge base. The API, the UI, the admin, the imports and the demo loader
call these, so permissions, workflow, revisions and optimistic locking hold on every path.

Unlike the hub services, these check permissions themselves: who may publish or edit is a
rule of the domain (authors, their grantees, moderators), not of a door. `actor=None` is
the system (management commands, demo loader) and may do everything.

Every change writes one `ArticleRevision`; the model signals put an `article` event into
the outbox in the same transaction, which the search index and the graph consume.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hub import errors, outbox
from hub.models import Collaboration, Municipality, Service, Software
from knowledge import markdown, permissions
from knowledge.models import (
    ARTICLE_TRANSITIONS,
    Article,
    ArticleMention,
    ArticleRevision,
    ArticleStatus,
    Tag,
)

Actor = AbstractBaseUser | AnonymousUser | None

CONTENT_FIELDS = ("title", "summary", "body", "kind", "visibility")
LINK_FIELDS = ("municipalities", "software", "services", "collaborations")
EDITABLE = set(CONTENT_FIELDS) | set(LINK_FIELDS) | {"tags", "authors", "slug", "is_demo"}


class ArticlePermissionDenied(PermissionDenied):
    code = errors.PERMISSION_DENIED


class EditConflict(ValidationError):
    """Saving on top of a stale revision. Carries the current revision so the caller can
    show what changed in between (`knowledge.selectors.article_diff`)."""

    def __init__(self, article: Article, expected: int | None) -> None:
        latest = article.revisions.select_related("author").first()
        who = str(latest.author) if latest and latest.author else _("jemand anderes")
        super().__init__(
            _("Der Artikel wurde inzwischen von %(user)s geändert (aktuelle Revision "
              "%(current)s, Ihre Grundlage %(expected)s). Bitte laden Sie ihn neu und führen "
              "Sie Ihre Änderungen zusammen."),
            code=errors.EDIT_CONFLICT,
            params={"user": who, "current": article.revision, "expected": expected})
        self.current_revision = article.revision


def _require(allowed: bool) -> None:
    if not allowed:
        raise ArticlePermissionDenied(_("Dazu fehlt Ihnen die Berechtigung."))


def _is_system(actor: Actor) -> bool:
    return actor is None


def _user(actor: Actor):
    return actor if actor is not None and actor.is_authenticated else None


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss"})


def slug_for(title: str) -> str:
    """German-friendly slug: "Bürgerbüro" → "buergerbuero" (not "burgerburo")."""
    return slugify(title.translate(_UMLAUTS))[:100].strip("-") or "artikel"


def unique_slug(title: str, exclude_pk: int | None = None) -> str:
    base = slug_for(title)
    taken = set(Article.objects.filter(slug__startswith=base).exclude(pk=exclude_pk)
                .values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def tags_for(names: Iterable[str | Tag]) -> list[Tag]:
    """Tags by name, created on first use; "E-Akte" and "e-akte" are the same tag."""
    result: list[Tag] = []
    for item in names:
        if isinstance(item, Tag):
            result.append(item)
            continue
        name = re.sub(r"\s+", " ", str(item)).strip()
        if not name:
            continue
        slug = slugify(name.translate(_UMLAUTS)) or slugify(name, allow_unicode=True)
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            tag = Tag(name=name[:60], slug=slug[:60])
            tag.full_clean()
            tag.save()
        result.append(tag)
    return result


def service_key(service: Service) -> str:
    """The natural key used in links, revisions and exports: LeiKa key, else OZG id."""
    return service.leika_key or service.ozg_id or f"pk:{service.pk}"


def links_of(article: Article) -> dict[str, list[str]]:
    return {
        "municipalities": sorted(article.municipalities.values_list("ags", flat=True)),
        "software": sorted(article.software.values_list("slug", flat=True)),
        "services": sorted(service_key(s) for s in article.services.all()),
        "collaborations": sorted(article.collaborations.values_list("slug", flat=True)),
    }


def resolve_links(links: dict[str, Iterable[str]]) -> tuple[dict[str, list], list[str]]:
    """Natural keys → objects (for restores and imports); also returns keys not found."""
    found: dict[str, list] = {}
    missing: list[str] = []

    def pick(name: str, objects: dict[str, Any]) -> None:
        keys = [str(k) for k in links.get(name) or []]
        found[name] = [objects[k] for k in keys if k in objects]
        missing.extend(f"{name}:{k}" for k in keys if k not in objects)

    if "municipalities" in links:
        pick("municipalities", {m.ags: m for m in Municipality.objects.filter(
            ags__in=[str(k) for k in links["municipalities"] or []])})
    if "software" in links:
        pick("software", {s.slug: s for s in Software.objects.filter(
            slug__in=[str(k) for k in links["software"] or []])})
    if "services" in links:
        keys = [str(k) for k in links["services"] or []]
        services = Service.objects.filter(leika_key__in=keys) | Service.objects.filter(
            ozg_id__in=keys, kind="ozg") | Service.objects.filter(
            pk__in=[int(k[3:]) for k in keys if k.startswith("pk:") and k[3:].isdigit()])
        pick("services", {service_key(s): s for s in services})
    if "collaborations" in links:
        pick("collaborations", {c.slug: c for c in Collaboration.objects.filter(
            slug__in=[str(k) for k in links["collaborations"] or []])})
    return found, missing


def _render_into(article: Article) -> markdown.Rendered:
    rendered = markdown.render(article.body)
    article.html, article.toc, article.broken_links = rendered.html, rendered.toc, rendered.broken
    return rendered


def _sync_mentions(article: Article, mentions: list[markdown.Mention]) -> None:
    wanted = {(m.kind, m.key): m for m in mentions}
    existing = {(m.kind, m.key): m for m in article.mentions.all()}
    stale = [m.pk for key, m in existing.items() if key not in wanted]
    if stale:
        ArticleMention.objects.filter(pk__in=stale).delete()
    target_field = {"article": "target_article"}
    rows = [ArticleMention(article=article, kind=m.kind, key=m.key,
                           **{target_field.get(m.kind, m.kind): m.target})
            for key, m in wanted.items() if key not in existing]
    ArticleMention.objects.bulk_create(rows)


def _snapshot(article: Article, actor: Actor, note: str = "",
              restored_from: int | None = None) -> ArticleRevision:
    return ArticleRevision.objects.create(
        article=article, number=article.revision, title=article.title, summary=article.summary,
        body=article.body, kind=article.kind, status=article.status, visibility=article.visibility,
        tags=sorted(article.tags.values_list("name", flat=True)), links=links_of(article),
        author=_user(actor), note=note[:300], restored_from=restored_from)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationError({name: ValidationError(
            _("Unbekanntes oder geschütztes Feld „%(field)s“.") % {"field": name},
            code=errors.INVALID) for name in sorted(unknown)})


def _apply(article: Article, fields: dict[str, Any]) -> dict[str, Any]:
    """Set plain fields; return relations to set after saving."""
    relations: dict[str, Any] = {}
    for name, value in fields.items():
        if name in LINK_FIELDS or name in {"tags", "authors"}:
            relations[name] = value
        else:
            setattr(article, name, value)
    return relations


def _save_relations(article: Article, relations: dict[str, Any]) -> None:
    if "tags" in relations:
        article.tags.set(tags_for(relations["tags"]))
    for name in (*LINK_FIELDS, "authors"):
        if name in relations:
            getattr(article, name).set(list(relations[name]))


@transaction.atomic
def article_create(*, actor: Actor, title: str, status: str = ArticleStatus.DRAFT,
                   note: str = "", **fields: Any) -> Article:
    """Create an article as a draft (moderators and the system may create it published).

    The actor becomes its first author unless `authors` is given."""
    _require(_is_system(actor) or permissions.can_create_article(actor))
    if status != ArticleStatus.DRAFT:
        _require(_is_system(actor) or permissions.can_publish_article(actor))
    _check_fields(fields)
    article = Article(title=title, status=status, created_by=_user(actor), revision=1)
    relations = _apply(article, fields)
    if not article.slug:
        article.slug = unique_slug(title)
    if status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
    rendered = _render_into(article)
    article.full_clean()
    article.save()
    if "authors" not in relations and _user(actor):
        relations["authors"] = [actor]
    _save_relations(article, relations)
    _sync_mentions(article, rendered.mentions)
    _snapshot(article, actor, note or _("angelegt"))
    return article


def _lock(article: Article, expected_revision: int | None) -> Article:
    """Re-read the row under a lock and refuse a stale base revision."""
    current = Article.objects.select_for_update().get(pk=article.pk)
    if expected_revision is not None and expected_revision != current.revision:
        raise EditConflict(current, expected_revision)
    return current


def _changed(article: Article, fields: dict[str, Any]) -> bool:
    for name, value in fields.items():
        if name == "tags":
            if sorted(t.slug for t in tags_for(value)) != sorted(article.tags.values_list("slug", flat=True)):
                return True
        elif name in LINK_FIELDS or name == "authors":
            if sorted(o.pk for o in value) != sorted(getattr(article, name).values_list("pk", flat=True)):
                return True
        elif getattr(article, name) != value:
            return True
    return False


@transaction.atomic
def article_update(*, actor: Actor, article: Article, expected_revision: int | None,
                   note: str = "", restored_from: int | None = None, **fields: Any) -> Article:
    """Change content, tags or links. `expected_revision` is the revision the editor started
    from; if someone saved in between, EDIT_CONFLICT is raised and nothing is written.
    `None` skips the check (system imports only)."""
    if expected_revision is None:
        _require(_is_system(actor))
    current = _lock(article, expected_revision)
    _require(_is_system(actor) or permissions.can_edit_article(actor, current))
    _check_fields(fields)
    if "authors" in fields:
        _require(_is_system(actor) or permissions.can_grant_article(actor, current))
    if not _changed(current, fields):
        return current
    relations = _apply(current, fields)
    current.revision += 1
    rendered = _render_into(current)
    current.full_clean()
    current.save()
    _save_relations(current, relations)
    _sync_mentions(current, rendered.mentions)
    _snapshot(current, actor, note, restored_from=restored_from)
    _refresh(article, current)
    return article


def _refresh(stale: Article, current: Article) -> None:
    """Callers keep their object: copy the saved state into it."""
    if stale is not current:
        stale.refresh_from_db()


def _transition_allowed(actor: Actor, article: Article, new: str) -> bool:
    if _is_system(actor) or permissions.can_publish_article(actor, article):
        return True  # moderators drive the whole workflow
    if new == ArticleStatus.PUBLISHED:
        return False
    if article.status == ArticleStatus.PUBLISHED and new == ArticleStatus.DRAFT:
        return False  # unpublishing is moderation
    return permissions.is_article_editor(actor, article)


@transaction.atomic
def _transition(*, actor: Actor, article: Article, new: str, expected_revision: int | None,
                note: str) -> Article:
    current = _lock(article, expected_revision)
    if new not in ARTICLE_TRANSITIONS[current.status]:
        raise ValidationError({"status": ValidationError(
            _("Statuswechsel von „%(old)s“ nach „%(new)s“ ist nicht möglich.")
            % {"old": ArticleStatus(current.status).label, "new": ArticleStatus(new).label},
            code=errors.INVALID_TRANSITION)})
    _require(_transition_allowed(actor, current, new))
    current.status = new
    if new == ArticleStatus.PUBLISHED and current.published_at is None:
        current.published_at = timezone.now()
    current.revision += 1
    current.save()
    _snapshot(current, actor, note or ArticleStatus(new).label)
    _refresh(article, current)
    return article


def article_submit(*, actor: Actor, article: Article, expected_revision: int | None = None,
                   note: str = "") -> Article:
    """Ask the moderators to review and publish."""
    return _transition(actor=actor, article=article, new=ArticleStatus.IN_REVIEW,
                       expected_revision=expected_revision, note=note)


def article_withdraw(*, actor: Actor, article: Article, expected_revision: int | None = None,
                     note: str = "") -> Article:
    """Back to draft: an author withdraws from review, a moderator rejects or unpublishes."""
    return _transition(actor=actor, article=article, new=ArticleStatus.DRAFT,
                       expected_revision=expected_revision, note=note)


def article_publish(*, actor: Actor, article: Article, expected_revision: int | None = None,
                    note: str = "") -> Article:
    """Moderators only."""
    return _transition(actor=actor, article=article, new=ArticleStatus.PUBLISHED,
                       expected_revision=expected_revision, note=note)


def article_archive(*, actor: Actor, article: Article, expected_revision: int | None = None,
                    note: str = "") -> Article:
    """Outdated but kept readable (and findable) for the record."""
    return _transition(actor=actor, article=article, new=ArticleStatus.ARCHIVED,
                       expected_revision=expected_revision, note=note)


@transaction.atomic
def article_refresh_links(*, article: Article) -> Article:
    """Re-resolve internal links (e.g. after an import created the articles they point to).
    Derived data only (HTML, mentions, broken links): no new revision."""
    rendered = _render_into(article)
    Article.objects.filter(pk=article.pk).update(html=article.html, toc=article.toc,
                                                 broken_links=article.broken_links)
    _sync_mentions(article, rendered.mentions)
    return article


def article_set_status(*, actor: Actor, article: Article, status: str, note: str = "") -> Article:
    """Moderation and imports: reach any status, through draft when there is no direct step."""
    _require(_is_system(actor) or permissions.can_publish_article(actor, article))
    if status == article.status:
        return article
    path = [status] if status in ARTICLE_TRANSITIONS[article.status] else [ArticleStatus.DRAFT, status]
    for step in path:
        if article.status != step:
            _transition(actor=actor, article=article, new=step, expected_revision=None, note=note)
    return article


def article_restore(*, actor: Actor, article: Article, number: int,
                    expected_revision: int | None) -> Article:
    """Bring back the content, tags and links of an old revision as a new revision (history
    is never rewritten). The workflow status is not restored. Links to entities deleted
    since then are dropped."""
    old = article.revisions.filter(number=number).first()
    if old is None:
        raise ValidationError({"revision": ValidationError(
            _("Revision %(number)s gibt es nicht.") % {"number": number}, code=errors.NOT_FOUND)})
    found, _missing = resolve_links(old.links)
    fields = {name: getattr(old, name) for name in CONTENT_FIELDS}
    return article_update(actor=actor, article=article, expected_revision=expected_revision,
                          note=_("Wiederhergestellt aus Revision %(number)s") % {"number": number},
                          restored_from=number, tags=old.tags, **fields, **found)


@transaction.atomic
def article_delete(*, actor: Actor, article: Article) -> None:
    _require(_is_system(actor) or permissions.can_delete_article(actor, article))
    article.delete()


@transaction.atomic
def article_grant_editor(*, actor: Actor, article: Article, user: AbstractBaseUser) -> None:
    """Authors let a colleague co-edit (guardian object permission)."""
    _require(_is_system(actor) or permissions.can_grant_article(actor, article))
    permissions.grant_editor(user, article)
    outbox.emit("article", article.pk)  # the index keeps who may see the draft


@transaction.atomic
def article_revoke_editor(*, actor: Actor, article: Article, user: AbstractBaseUser) -> None:
    _require(_is_system(actor) or permissions.can_grant_article(actor, article))
    permissions.revoke_editor(user, article)
    outbox.emit("article", article.pk)
