"""The knowledge base over GraphQL: reads with visibility, search on a real Whoosh index fed
through the real outbox, and the article workflow with the API's payload and permissions."""

from __future__ import annotations

import pytest
from graphql_relay import to_global_id

from knowledge import search, selectors, services
from knowledge.models import Article, ArticleStatus
from tests.api.conftest import codes_of, data_of
from tests.api.test_mutations import mutate
from tests.knowledge.conftest import drain, linked  # noqa: F401

CONSUMER = "knowledge.index.consume"


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    settings.OUTBOX_CONSUMERS = [CONSUMER]
    yield
    search.close()


def _publish(moderator, title: str, body: str = "", **fields) -> Article:
    article = services.article_create(actor=moderator, title=title, body=body, **fields)
    return services.article_publish(actor=moderator, article=article)


@pytest.fixture
def corpus(linked, moderator, member):  # noqa: F811
    articles = {
        "buerger": _publish(moderator, "Digitales Bürgerbüro in Erkrath",
                            "Das **Bürgerbüro** bietet Termine online an.\n\n"
                            "<script>alert(1)</script>", tags=["Bürgerservice"]),
        "ris": _publish(moderator, "Ratsinformationssystem wechseln",
                        "Wir sind auf [[software:sessionnet]] umgestiegen.",
                        software=[linked.sessionnet], kind="lessons_learned"),
        "members": _publish(moderator, "Vergabeunterlagen für Bürgerakten",
                            "Leistungsbeschreibung.", visibility="members", kind="procurement"),
        "draft": services.article_create(actor=member, title="Entwurf Bürgerportal"),
    }
    drain()
    return articles


def test_article_by_slug_has_markdown_and_sanitised_html(corpus, api):
    article = data_of(api("""{ article(slug: "digitales-buergerbuero-in-erkrath") {
        title body html kind status visibility url tags revision } }"""))["article"]
    assert "**Bürgerbüro**" in article["body"]
    assert "<strong>Bürgerbüro</strong>" in article["html"]
    assert "<script" not in article["html"]
    assert article["status"] == "PUBLISHED" and article["visibility"] == "PUBLIC"
    assert article["tags"] == ["Bürgerservice"]


def test_articles_list_respects_visibility_and_filters(corpus, api, api_as, member):
    query = """query($kind: [ArticleKind!]) { articles(first: 10, kind: $kind) {
        totalCount edges { node { slug } } } }"""
    anonymous = data_of(api(query))["articles"]
    assert anonymous["totalCount"] == 2
    as_member = data_of(api_as(member)(query))["articles"]
    expected = selectors.article_list(user=member)
    assert as_member["totalCount"] == expected.count() == 4  # incl. the member's own draft
    assert [e["node"]["slug"] for e in as_member["edges"]] == [a.slug for a in expected]
    lessons = data_of(api(query, {"kind": ["LESSONS_LEARNED"]}))["articles"]
    assert [e["node"]["slug"] for e in lessons["edges"]] == [corpus["ris"].slug]


def test_members_only_and_draft_articles_are_null_for_anonymous(corpus, api):
    for key in ("members", "draft"):
        result = data_of(api("query($s: String!) { article(slug: $s) { title } }",
                             {"s": corpus[key].slug}))
        assert result["article"] is None


def test_search_returns_hits_facets_and_counts_like_the_search_module(corpus, api, anonymous):
    result = data_of(api("""{ search(query: "Bürger", first: 1) { totalCount suggestion
        facets { name values { value label count } }
        edges { cursor node { kind title url highlight score } }
        pageInfo { hasNextPage endCursor } } }"""))["search"]
    expected = search.search_articles(user=anonymous, query="Bürger", limit=1)
    assert result["totalCount"] == expected.total == 1  # the members-only hit is not counted
    assert [e["node"]["title"] for e in result["edges"]] == [h.title for h in expected.hits]
    node = result["edges"][0]["node"]
    assert node["highlight"] == expected.hits[0].highlight
    assert node["url"] == corpus["buerger"].get_absolute_url()
    assert node["score"] == pytest.approx(expected.hits[0].score)
    kinds = {f["name"]: f["values"] for f in result["facets"]}["kind"]
    assert sum(v["count"] for v in kinds) == 1
    assert result["pageInfo"]["hasNextPage"] is False


def test_search_pages_with_after_and_filters_by_kind(corpus, api_as, member):
    """A member also finds the members-only article and their own draft."""
    api = api_as(member)
    query = """query($after: String, $kinds: [ArticleKind!]) {
        search(query: "Bürger", first: 1, after: $after, kinds: $kinds) {
        totalCount edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }"""
    first = data_of(api(query))["search"]
    expected = search.search_articles(user=member, query="Bürger", limit=10)
    assert first["totalCount"] == expected.total == 3 and first["pageInfo"]["hasNextPage"]
    titles = [first["edges"][0]["node"]["title"]]
    after = first["pageInfo"]["endCursor"]
    while after:
        page = data_of(api(query, {"after": after}))["search"]
        titles += [e["node"]["title"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert titles == [h.title for h in expected.hits]
    procurement = data_of(api(query, {"kinds": ["PROCUREMENT"]}))["search"]
    assert [e["node"]["title"] for e in procurement["edges"]] == \
        ["Vergabeunterlagen für Bürgerakten"]


def test_search_suggests_a_correction_for_a_typo(corpus, api, anonymous):
    result = data_of(api('{ search(query: "Ratsinformationsystem") { suggestion totalCount } }'))
    expected = search.search_articles(user=anonymous, query="Ratsinformationsystem")
    assert result["search"]["suggestion"] == expected.suggestion
    assert result["search"]["totalCount"] == expected.total >= 1


def test_search_everything_finds_software(corpus, api):
    result = data_of(api('{ search(query: "SessionNet", types: ["software"]) { '
                         'edges { node { type title } } } }'))["search"]
    assert {"type": "software", "title": "SessionNet"} in [e["node"] for e in result["edges"]]


ARTICLE = "article { slug title status revision authors canEdit }"


def test_member_writes_submits_and_moderator_publishes(db, api_as, member, moderator, linked):  # noqa: F811
    writer = api_as(member)
    created = mutate(writer, "articleCreate", {
        "title": "Wohngeld online", "body": "Mit [[service:99107023017000]].",
        "kind": "BEST_PRACTICE", "tags": ["OZG"], "services": ["99107023017000"]}, ARTICLE)
    assert created["errors"] == []
    article = created["article"]
    assert article["status"] == "DRAFT" and article["authors"] == [member.username]
    updated = mutate(writer, "articleUpdate", {"id": article["slug"], "expectedRevision": 1,
                                               "summary": "Kurz"}, ARTICLE)
    assert updated["errors"] == [] and updated["article"]["revision"] == 2
    submitted = mutate(writer, "articleSubmit", {"id": article["slug"], "expectedRevision": 2},
                       ARTICLE)
    assert submitted["article"]["status"] == "IN_REVIEW"
    refused = writer(f"""mutation {{ articlePublish(input: {{id: "{article['slug']}",
        expectedRevision: 3}}) {{ errors {{ code }} }} }}""")
    assert codes_of(refused) == ["PERMISSION_DENIED"]
    published = mutate(api_as(moderator), "articlePublish",
                       {"id": article["slug"], "expectedRevision": 3}, ARTICLE)
    assert published["article"]["status"] == "PUBLISHED"
    archived = mutate(writer, "articleArchive", {"id": article["slug"], "expectedRevision": 4},
                      ARTICLE)
    assert archived["article"]["status"] == "ARCHIVED"
    assert Article.objects.get(slug=article["slug"]).services.get().leika_key == "99107023017000"


def test_stale_revision_is_an_edit_conflict_and_nothing_is_written(db, api_as, member):
    article = services.article_create(actor=member, title="Parallel")
    services.article_update(actor=member, article=article, expected_revision=1, body="neu")
    result = mutate(api_as(member), "articleUpdate",
                    {"id": article.slug, "expectedRevision": 1, "body": "alt"}, ARTICLE)
    assert [e["code"] for e in result["errors"]] == ["EDIT_CONFLICT"]
    assert result["article"] is None
    article.refresh_from_db()
    assert article.body == "neu" and article.revision == 2


def test_other_people_cannot_edit_and_granted_coeditors_can(db, api_as, member, own_editor):
    article = services.article_create(actor=member, title="Geteilt")
    query = {"id": article.slug, "expectedRevision": 1, "body": "von anderen"}
    refused = api_as(own_editor)(
        "mutation($i: ArticleUpdateInput!) { articleUpdate(input: $i) { errors { code } } }",
        {"i": query})
    # A draft is invisible to others, so it is not found rather than refused.
    assert data_of(refused)["articleUpdate"]["errors"][0]["code"] == "NOT_FOUND"
    services.article_grant_editor(actor=member, article=article, user=own_editor)
    granted = mutate(api_as(own_editor), "articleUpdate", query, ARTICLE)
    assert granted["errors"] == [] and granted["article"]["revision"] == 2


def test_anonymous_and_read_only_tokens_cannot_create_articles(db, api, api_as, member):
    query = 'mutation { articleCreate(input: {title: "X"}) { errors { code } } }'
    assert codes_of(api(query)) == ["PERMISSION_DENIED"]
    assert codes_of(api_as(member, scope="read")(query)) == ["PERMISSION_DENIED"]


def test_unknown_links_are_listed_per_field(db, api_as, member):
    result = mutate(api_as(member), "articleCreate",
                    {"title": "Verweise", "software": ["gibt-es-nicht"],
                     "municipalities": ["00000000"]}, ARTICLE)
    assert sorted((e["field"], e["code"]) for e in result["errors"]) == \
        [("municipalities.0", "NOT_FOUND"), ("software.0", "NOT_FOUND")]
    assert not Article.objects.filter(title="Verweise").exists()


def test_draft_is_visible_through_node_to_its_author_only(db, api, api_as, member):
    article = services.article_create(actor=member, title="Eigener Entwurf")
    assert article.status == ArticleStatus.DRAFT
    query = "query($id: ID!) { node(id: $id) { ... on Article { title } } }"
    gid = to_global_id("Article", article.pk)
    assert data_of(api_as(member)(query, {"id": gid}))["node"] == {"title": "Eigener Entwurf"}
    assert data_of(api(query, {"id": gid}))["node"] is None


def test_search_refuses_bad_paging_with_codes_in_english_too(db, api):
    big = api('{ search(query: "x", first: 1000) { totalCount } }', language="en")
    assert codes_of(big) == ["PAGE_SIZE_LIMIT_EXCEEDED"]
    assert big["errors"][0]["message"] == "“first” must be between 1 and 100."
    bad = api('{ search(query: "x", after: "nonsense") { totalCount } }')
    assert codes_of(bad) == ["INVALID_PAGINATION"]
