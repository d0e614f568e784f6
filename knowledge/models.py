"""The knowledge base: Markdown articles (best practices, guides, lessons learned, tender
documents, strategies) written by KDN members and municipal staff.

An article keeps every saved state as an `ArticleRevision` (who, when, what, why), so any two
states can be compared and an old one restored. `Article.revision` is the optimistic lock:
a save names the revision it was based on and is refused if someone saved in between.
Rendered HTML, the table of contents and the broken internal links are derived at save time
(knowledge.markdown) and stored, so reads never re-render.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from hub import errors
from hub.models import Collaboration, Municipality, Organization, Service, Software


class ArticleKind(models.TextChoices):
    BEST_PRACTICE = "best_practice", _("Best Practice")
    GUIDE = "guide", _("Leitfaden")
    LESSONS_LEARNED = "lessons_learned", _("Lessons Learned")
    PROCUREMENT = "procurement", _("Vergabe- und Ausschreibungsunterlage")
    STRATEGY = "strategy", _("Strategie")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    IN_REVIEW = "in_review", pgettext_lazy("article status", "in Prüfung")
    PUBLISHED = "published", _("veröffentlicht")
    ARCHIVED = "archived", _("archiviert")


class ArticleVisibility(models.TextChoices):
    PUBLIC = "public", _("öffentlich")
    MEMBERS = "members", _("nur Mitglieder")
    PRIVATE = "private", _("privat (Autorinnen und Autoren)")


# Forward through review; moderators may publish a draft directly, unpublish, or bring an
# archived article back. Authors may withdraw from review and revive an archived article.
ARTICLE_TRANSITIONS: dict[str, set[str]] = {
    ArticleStatus.DRAFT: {ArticleStatus.IN_REVIEW, ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED},
    ArticleStatus.IN_REVIEW: {ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED},
    ArticleStatus.PUBLISHED: {ArticleStatus.ARCHIVED, ArticleStatus.DRAFT},
    ArticleStatus.ARCHIVED: {ArticleStatus.PUBLISHED, ArticleStatus.DRAFT},
}

# States everyone allowed by the visibility may read; the others only editors and moderators.
READABLE_STATES = [ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED]


class Tag(models.Model):
    """Free keywords ("E-Akte", "OZG", "Cloud"); the slug is the stable key in imports."""

    name = models.CharField(_("Name"), max_length=60, unique=True)
    slug = models.SlugField(_("Slug"), max_length=60, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Schlagwort")
        verbose_name_plural = _("Schlagwörter")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(_("Slug"), max_length=120, unique=True)
    summary = models.CharField(_("Zusammenfassung"), max_length=600, blank=True)
    body = models.TextField(_("Text (Markdown)"), blank=True)
    kind = models.CharField(_("Art"), max_length=20, choices=ArticleKind.choices,
                            default=ArticleKind.BEST_PRACTICE)
    status = models.CharField(_("Status"), max_length=20, choices=ArticleStatus.choices,
                              default=ArticleStatus.DRAFT)
    visibility = models.CharField(_("Sichtbarkeit"), max_length=10,
                                  choices=ArticleVisibility.choices,
                                  default=ArticleVisibility.PUBLIC)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles",
                                  verbose_name=_("Schlagwörter"))
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                     related_name="articles", verbose_name=_("Autorinnen und Autoren"))
    municipalities = models.ManyToManyField(Municipality, blank=True, related_name="articles",
                                            verbose_name=_("Kommunen"))
    software = models.ManyToManyField(Software, blank=True, related_name="articles",
                                      verbose_name=_("Software"))
    services = models.ManyToManyField(Service, blank=True, related_name="articles",
                                      verbose_name=_("Leistungen"))
    collaborations = models.ManyToManyField(Collaboration, blank=True, related_name="articles",
                                            verbose_name=_("Kooperationen"))
    revision = models.PositiveIntegerField(
        _("Revision"), default=0,
        help_text=_("Wird bei jeder Änderung hochgezählt (optimistisches Sperren)."))
    html = models.TextField(_("HTML (bereinigt)"), blank=True, editable=False)
    toc = models.JSONField(_("Inhaltsverzeichnis"), default=list, blank=True, editable=False)
    broken_links = models.JSONField(_("defekte Verweise"), default=list, blank=True,
                                    editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("angelegt von"))
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    published_at = models.DateTimeField(_("veröffentlicht am"), null=True, blank=True)
    is_demo = models.BooleanField(_("Demodaten"), default=False)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("Artikel")
        verbose_name_plural = _("Artikel")
        indexes = [models.Index(fields=["status", "visibility"]), models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from knowledge.markdown import entity_url

        return entity_url("article", self.slug, self.pk)

    def clean(self) -> None:
        if self.title and not self.title.strip():
            raise ValidationError({"title": ValidationError(
                _("Der Titel darf nicht leer sein."), code=errors.INVALID)})

    @property
    def is_readable_state(self) -> bool:
        return self.status in READABLE_STATES


class ArticleRevision(models.Model):
    """One saved state of an article, complete enough to diff and restore: content, status,
    tags and links by natural key (so a restore works even after renames)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions",
                                verbose_name=_("Artikel"))
    number = models.PositiveIntegerField(_("Nummer"))
    title = models.CharField(_("Titel"), max_length=200)
    summary = models.TextField(_("Zusammenfassung"), blank=True)
    body = models.TextField(_("Text (Markdown)"), blank=True)
    kind = models.CharField(_("Art"), max_length=20, choices=ArticleKind.choices)
    status = models.CharField(_("Status"), max_length=20, choices=ArticleStatus.choices)
    visibility = models.CharField(_("Sichtbarkeit"), max_length=10,
                                  choices=ArticleVisibility.choices)
    tags = models.JSONField(_("Schlagwörter"), default=list, blank=True)
    links = models.JSONField(_("Verknüpfungen"), default=dict, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("geändert von"))
    note = models.CharField(_("Änderungsnotiz"), max_length=300, blank=True)
    restored_from = models.PositiveIntegerField(_("wiederhergestellt aus"), null=True, blank=True)
    created_at = models.DateTimeField(_("gespeichert"), auto_now_add=True)

    class Meta:
        ordering = ["article", "-number"]
        verbose_name = _("Artikel-Revision")
        verbose_name_plural = _("Artikel-Revisionen")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class MentionKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Kommune")
    SOFTWARE = "software", _("Software")
    SERVICE = "service", _("Leistung")
    ARTICLE = "article", _("Artikel")
    ORGANIZATION = "organization", _("Organisation")
    COLLABORATION = "collaboration", _("Kooperation")


class ArticleMention(models.Model):
    """An internal link `[[software:sessionnet]]` in the body that resolved to an entity.

    Derived from the body on every save; the graph projection reads these to draw
    MENTIONS edges, and entity pages list the articles that mention them."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    kind = models.CharField(max_length=20, choices=MentionKind.choices)
    key = models.CharField(max_length=120)
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="article_mentions")
    software = models.ForeignKey(Software, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="article_mentions")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="article_mentions")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="article_mentions")
    collaboration = models.ForeignKey(Collaboration, on_delete=models.CASCADE, null=True,
                                      blank=True, related_name="article_mentions")
    target_article = models.ForeignKey(Article, on_delete=models.CASCADE, null=True, blank=True,
                                       related_name="mentioned_by")

    class Meta:
        verbose_name = _("Erwähnung")
        verbose_name_plural = _("Erwähnungen")
        constraints = [
            models.UniqueConstraint(fields=["article", "kind", "key"], name="article_mention_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.kind}:{self.key}"


class ArticleUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table: authors grant co-editors per article (fast joins)."""

    content_object = models.ForeignKey(Article, on_delete=models.CASCADE)


class ArticleGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Article, on_delete=models.CASCADE)
