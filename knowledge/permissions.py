"""Who may read and change knowledge articles. Roles come from hub.permissions; per-article
co-editors are guardian object permissions (`knowledge.change_article`), granted by authors.

- read: published or archived articles by visibility (public: everyone; members: members,
  never vendors or anonymous); drafts, articles in review and private articles only their
  editors (authors and the people they granted) and moderators;
- write (update, submit, withdraw, archive): editors and moderators;
- publish, unpublish: moderators; create: members (every editor counts as a member).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hub import permissions
from hub.permissions import User
from knowledge.models import READABLE_STATES, Article, ArticleVisibility

EDIT_ARTICLE = "knowledge.change_article"


def can_create_article(user: User) -> bool:
    return permissions.is_member(user)


def is_article_editor(user: User, article: Article) -> bool:
    """Authors and the people they granted (not moderators: they act by role)."""
    if not user.is_authenticated or article.pk is None:
        return False
    if article.authors.filter(pk=user.pk).exists():
        return True
    return permissions.has_object_perm(user, EDIT_ARTICLE, article)


def can_edit_article(user: User, article: Article) -> bool:
    return permissions.is_moderator(user) or is_article_editor(user, article)


def can_publish_article(user: User, article: Article | None = None) -> bool:
    return permissions.is_moderator(user)


def can_grant_article(user: User, article: Article) -> bool:
    """Authors decide who co-edits; moderators too."""
    if permissions.is_moderator(user):
        return True
    return user.is_authenticated and article.authors.filter(pk=user.pk).exists()


def can_delete_article(user: User, article: Article) -> bool:
    """Moderators delete anything; editors only drafts nobody else has read yet."""
    if permissions.is_moderator(user):
        return True
    return article.published_at is None and is_article_editor(user, article)


def readable_visibilities(user: User) -> list[str]:
    if permissions.is_member(user):
        return [ArticleVisibility.PUBLIC, ArticleVisibility.MEMBERS]
    return [ArticleVisibility.PUBLIC]


def edited_article_ids(user: User) -> set[int]:
    """Articles the user may edit as author or grantee (used by the search filter)."""
    if not user.is_authenticated:
        return set()
    ids = set(Article.objects.filter(authors=user).values_list("pk", flat=True))
    granted = permissions.objects_with_perm(user, EDIT_ARTICLE, Article.objects.all())
    ids.update(granted.values_list("pk", flat=True))
    return ids


def article_visibility_q(user: User) -> Q:
    """The one read rule for article querysets (lists, counts, detail lookups)."""
    if permissions.is_moderator(user):
        return Q()
    readable = Q(status__in=READABLE_STATES, visibility__in=readable_visibilities(user))
    if not user.is_authenticated:
        return readable
    own = Article.objects.filter(authors=user).values("pk")
    granted = permissions.objects_with_perm(user, EDIT_ARTICLE, Article.objects.all()).values("pk")
    return readable | Q(pk__in=own) | Q(pk__in=granted)


def can_view_article(user: User, article: Article) -> bool:
    return Article.objects.filter(article_visibility_q(user), pk=article.pk).exists()


def editor_ids(article: Article) -> list[int]:
    """User ids that may edit the article (authors + grantees), for the search index."""
    ids = set(article.authors.values_list("pk", flat=True))
    ids.update(permissions.users_with_object_perm(EDIT_ARTICLE, article).values_list("pk", flat=True))
    return sorted(ids)


def editor_ids_many(articles: list[Article]) -> dict[int, list[int]]:
    """editor_ids for many articles in three queries (index rebuilds), reading the article's
    own direct-FK guardian tables; expects `authors` prefetched."""
    from django.contrib.auth import get_user_model

    from knowledge.models import ArticleGroupObjectPermission, ArticleUserObjectPermission

    codename = EDIT_ARTICLE.split(".", 1)[1]
    result = {a.pk: {u.pk for u in a.authors.all()} for a in articles}
    direct = ArticleUserObjectPermission.objects.filter(
        content_object__in=articles, permission__codename=codename)
    for article_id, user_id in direct.values_list("content_object_id", "user_id"):
        result[article_id].add(user_id)
    groups = ArticleGroupObjectPermission.objects.filter(
        content_object__in=articles, permission__codename=codename)
    members = get_user_model().groups.through.objects
    for article_id, group_id in groups.values_list("content_object_id", "group_id"):
        result[article_id].update(members.filter(group_id=group_id).values_list("user_id", flat=True))
    return {pk: sorted(ids) for pk, ids in result.items()}


def grant_editor(user, article: Article) -> None:
    permissions.grant_object_perm(user, EDIT_ARTICLE, article)


def revoke_editor(user, article: Article) -> None:
    permissions.revoke_object_perm(user, EDIT_ARTICLE, article)


def granted_users(article: Article) -> QuerySet:
    return permissions.users_with_object_perm(EDIT_ARTICLE, article)
