"""The knowledge base in GraphQL: `articles`, `article(slug:)`, `search(...)` and the article
mutations (create, update, submit, withdraw, publish, archive).

Thin: reads go through knowledge.selectors and knowledge.search (visibility decided there),
writes through knowledge.services with the API's one payload shape. Who may do what is
knowledge.permissions: members create, authors and the people they granted edit and submit,
moderators publish. A stale `expectedRevision` comes back as an EDIT_CONFLICT FieldError and
nothing is written.
"""

from __future__ import annotations

import graphene
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from graphene import relay
from graphene_django import DjangoObjectType
from graphql_relay import cursor_to_offset, offset_to_cursor

from api import hub_types, keys
from api.errors import InputError, limit_error, permission_denied
from api.fields import (
    CountableConnection,
    ListConnectionField,
    choices_enum,
    enum_field,
    plain,
)
from api.mutations import ApiMutation, require
from knowledge import permissions, selectors, services
from knowledge import search as kb_search
from knowledge.models import Article as ArticleModel
from knowledge.models import ArticleKind as KindChoices
from knowledge.models import ArticleStatus as StatusChoices
from knowledge.models import ArticleVisibility as VisibilityChoices

ArticleKind = choices_enum("ArticleKind", KindChoices, "Kind of a knowledge article.")
ArticleStatus = choices_enum("ArticleStatus", StatusChoices,
                             "Workflow: draft → in review → published → archived.")
ArticleVisibility = choices_enum("ArticleVisibility", VisibilityChoices,
                                 "PUBLIC for everyone, MEMBERS for members, PRIVATE for editors.")


class Article(DjangoObjectType):
    """A best practice, guide, lessons learned, tender document or strategy, in Markdown."""

    class Meta:
        model = ArticleModel
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        convert_choices_to_enum = False
        fields = ("title", "slug", "summary", "body", "html", "revision", "created_at",
                  "updated_at", "published_at", "is_demo")

    kind = enum_field(ArticleKind, "kind", required=True)
    status = enum_field(ArticleStatus, "status", required=True)
    visibility = enum_field(ArticleVisibility, "visibility", required=True)
    url = graphene.String(required=True)
    tags = graphene.List(graphene.NonNull(graphene.String), required=True)
    authors = graphene.List(graphene.NonNull(graphene.String), required=True,
                            description="Usernames of the authors.")
    municipalities = graphene.List(graphene.NonNull(hub_types.Municipality), required=True)
    software = graphene.List(graphene.NonNull(hub_types.Software), required=True)
    services = graphene.List(graphene.NonNull(hub_types.Service), required=True)
    can_edit = graphene.Boolean(required=True, description="May you change it?")
    broken_links = graphene.List(graphene.NonNull(graphene.String), required=True,
                                 description="Internal links that resolve to nothing (editors "
                                             "only; empty for others).")

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.filter(permissions.article_visibility_q(info.context.user))

    def resolve_url(root: ArticleModel, info) -> str:
        return root.get_absolute_url()

    def resolve_tags(root: ArticleModel, info) -> list[str]:
        return [t.name for t in root.tags.all()]

    def resolve_authors(root: ArticleModel, info) -> list[str]:
        return [a.get_username() for a in root.authors.all()]

    def resolve_municipalities(root: ArticleModel, info):
        return list(root.municipalities.all())

    def resolve_software(root: ArticleModel, info):
        return list(root.software.all())

    def resolve_services(root: ArticleModel, info):
        return list(root.services.all())

    def resolve_can_edit(root: ArticleModel, info) -> bool:
        return permissions.can_edit_article(info.context.user, root)

    def resolve_broken_links(root: ArticleModel, info) -> list[str]:
        return [item["message"] for item in
                selectors.article_broken_links(user=info.context.user, article=root)]


class SearchNode(graphene.ObjectType):
    """One hit: an article, or (when searching everything) a municipality, product, …"""

    kind = graphene.String(required=True, description="Article kind or entity type.")
    kind_label = graphene.String(required=True)
    type = graphene.String(required=True, description="article, municipality, software, …")
    title = graphene.String(required=True)
    url = graphene.String(required=True)
    highlight = graphene.String(required=True, description="Snippet with <mark>ed terms (HTML).")
    score = graphene.Float(required=True)

    def resolve_type(root: kb_search.Hit, info) -> str:
        return root.doctype


class SearchEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(SearchNode, required=True)


class FacetValue(graphene.ObjectType):
    value = graphene.String(required=True)
    label = graphene.String(required=True)
    count = graphene.Int(required=True)


class Facet(graphene.ObjectType):
    name = graphene.String(required=True, description="kind, tags, category, status or doctype.")
    values = graphene.List(graphene.NonNull(FacetValue), required=True)


class SearchPageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    end_cursor = graphene.String()


class SearchResult(graphene.ObjectType):
    """A page of search hits with counts over all of them (visibility applied)."""

    total_count = graphene.Int(required=True)
    facets = graphene.List(graphene.NonNull(Facet), required=True)
    suggestion = graphene.String(description="Did you mean …? (null when the query was fine)")
    edges = graphene.List(graphene.NonNull(SearchEdge), required=True)
    page_info = graphene.Field(SearchPageInfo, required=True)

    def resolve_total_count(root: kb_search.SearchResult, info) -> int:
        return root.total

    def resolve_facets(root: kb_search.SearchResult, info):
        return [Facet(name=name, values=values) for name, values in root.facets.items()]

    def resolve_edges(root: kb_search.SearchResult, info):
        return [SearchEdge(cursor=offset_to_cursor(root.offset + i), node=hit)
                for i, hit in enumerate(root.hits)]

    def resolve_page_info(root: kb_search.SearchResult, info):
        end = root.offset + len(root.hits)
        return SearchPageInfo(has_next_page=end < root.total,
                              end_cursor=offset_to_cursor(end - 1) if root.hits else None)


def _offset(after: str | None) -> int:
    if after is None:
        return 0
    offset = cursor_to_offset(after)
    if offset is None or offset < 0:
        raise limit_error("INVALID_PAGINATION", _("„after“ ist kein gültiger Cursor."))
    return offset + 1


class KnowledgeQuery(graphene.ObjectType):
    """Root fields of the knowledge base; api.schema mixes this into the root Query."""

    articles = ListConnectionField(
        Article, kind=graphene.List(graphene.NonNull(ArticleKind)),
        status=graphene.List(graphene.NonNull(ArticleStatus)),
        tag=graphene.List(graphene.NonNull(graphene.String), description="Tag slugs."),
        municipality=graphene.String(description="AGS of a linked municipality."),
        software=graphene.String(description="Slug of a linked product."),
        demo=graphene.Boolean(), description="Articles you may read, newest change first.")
    article = graphene.Field(Article, slug=graphene.String(required=True))
    search = graphene.Field(
        SearchResult, required=True, query=graphene.String(required=True),
        kinds=graphene.List(graphene.NonNull(ArticleKind)),
        types=graphene.List(graphene.NonNull(graphene.String), description=(
            "Search everything instead of articles only: article, municipality, software, "
            "service, organization, collaboration.")),
        relevant_for_my_municipality=graphene.Boolean(default_value=False),
        first=graphene.Int(default_value=20), after=graphene.String(),
        description="German full-text search: stemming, umlaut folding, prefixes, typos.")

    def resolve_articles(root, info, **args):
        filters = {key: plain(args[key]) for key in
                   ("kind", "status", "tag", "municipality", "software", "demo")
                   if args.get(key) is not None}
        for key in ("kind", "status"):
            if key in filters:
                filters[key] = [plain(v) for v in filters[key]]
        return selectors.article_list(user=info.context.user, filters=filters)

    def resolve_article(root, info, slug: str):
        return selectors.article_get(user=info.context.user, slug=slug)

    def resolve_search(root, info, query: str, first: int, relevant_for_my_municipality: bool,
                       kinds=None, types=None, after: str | None = None):
        first = 20 if first is None else first  # an explicit null means the default
        if first < 1 or first > kb_search.MAX_LIMIT:
            raise limit_error("PAGE_SIZE_LIMIT_EXCEEDED",
                              _("„first“ muss zwischen 1 und %(limit)d liegen.")
                              % {"limit": kb_search.MAX_LIMIT}, limit=kb_search.MAX_LIMIT)
        user = info.context.user
        if types:
            return kb_search.search_all(user=user, query=query, doctypes=list(types),
                                        offset=_offset(after), limit=first)
        return kb_search.search_articles(
            user=user, query=query, kinds=[plain(k) for k in kinds] if kinds else None,
            offset=_offset(after), limit=first,
            relevant_for_my_municipality=bool(relevant_for_my_municipality))


# --- mutations ---------------------------------------------------------------------------

def _article(value: str, field: str, user) -> ArticleModel:
    """An article by slug or global ID that the person may read (else NOT_FOUND)."""
    pk = keys.pk_from_global_id(value, "Article")
    qs = ArticleModel.objects.filter(permissions.article_visibility_q(user))
    found = (qs.filter(pk=pk) if pk and pk.isdigit() else qs.filter(slug=value)).first()
    if found is None:
        raise InputError([keys.not_found(field, "Article", value)])
    return found


class _ArticleFields:
    title = graphene.String()
    slug = graphene.String()
    summary = graphene.String()
    body = graphene.String(description="Markdown; `[[software:slug]]` etc. link entities.")
    kind = ArticleKind()
    visibility = ArticleVisibility()
    tags = graphene.List(graphene.NonNull(graphene.String))
    municipalities = graphene.List(graphene.NonNull(graphene.String), description="AGS.")
    software = graphene.List(graphene.NonNull(graphene.String), description="Slugs.")
    services = graphene.List(graphene.NonNull(graphene.String), description="LeiKa/OZG keys.")
    collaborations = graphene.List(graphene.NonNull(graphene.String), description="Slugs.")
    note = graphene.String(description="Change note for the revision history.")


_LINKS = {"municipalities": "Municipality", "software": "Software", "services": "Service",
          "collaborations": "Collaboration"}


def _fields(data: dict) -> dict:
    """Input as the services want it: enums as values, links resolved (all errors at once)."""
    refs = keys.Resolver()
    out = {}
    for name, value in data.items():
        if value is None:
            continue
        out[name] = refs.many(_LINKS[name], value, name) if name in _LINKS else plain(value)
    refs.check()
    return out


def _call(service, **kwargs) -> ArticleModel:
    """Services refuse with PermissionDenied; the API says so as a top-level error."""
    try:
        return service(**kwargs)
    except PermissionDenied as exc:
        raise permission_denied() from exc


class ArticleCreate(ApiMutation):
    """Write a new article (members). It starts as a draft with you as its author."""

    class Input(_ArticleFields):
        title = graphene.String(required=True)

    article = graphene.Field(Article)

    @classmethod
    def perform(cls, info, user, **data):
        require(permissions.can_create_article(user))
        return cls.done(article=_call(services.article_create, actor=user, **_fields(data)))


class ArticleUpdate(ApiMutation):
    """Change an article (its authors, the people they granted, moderators)."""

    class Input(_ArticleFields):
        id = graphene.ID(required=True, description="Slug or global ID.")
        expected_revision = graphene.Int(required=True, description=(
            "The revision you started from; if someone saved since, EDIT_CONFLICT."))

    article = graphene.Field(Article)

    @classmethod
    def perform(cls, info, user, id, expected_revision, **data):
        article = _article(id, "id", user)
        require(permissions.can_edit_article(user, article))
        return cls.done(article=_call(services.article_update, actor=user, article=article,
                                      expected_revision=expected_revision, **_fields(data)))


class _Transition(ApiMutation):
    class Meta:
        abstract = True

    class Input:
        id = graphene.ID(required=True, description="Slug or global ID.")
        expected_revision = graphene.Int(required=True)
        note = graphene.String()

    article = graphene.Field(Article)
    service = None

    @classmethod
    def perform(cls, info, user, id, expected_revision, note=None):
        article = _article(id, "id", user)
        return cls.done(article=_call(cls.service, actor=user, article=article,
                                      expected_revision=expected_revision, note=note or ""))


class ArticleSubmit(_Transition):
    """Ask the moderators to review (editors)."""

    service = staticmethod(services.article_submit)


class ArticleWithdraw(_Transition):
    """Back to draft: withdraw from review (editors), reject or unpublish (moderators)."""

    service = staticmethod(services.article_withdraw)


class ArticlePublish(_Transition):
    """Publish (moderators)."""

    service = staticmethod(services.article_publish)


class ArticleArchive(_Transition):
    """Keep it readable but mark it outdated (editors, moderators)."""

    service = staticmethod(services.article_archive)


class KnowledgeMutations(graphene.ObjectType):
    article_create = ArticleCreate.Field()
    article_update = ArticleUpdate.Field()
    article_submit = ArticleSubmit.Field()
    article_withdraw = ArticleWithdraw.Field()
    article_publish = ArticlePublish.Field()
    article_archive = ArticleArchive.Field()
