"""Knowledge pages through Django's test client: list with search and facets, article page
with table of contents, links, history and diff, and the editor with EDIT_CONFLICT."""

import pytest
from django.urls import reverse

from hub import outbox
from knowledge import services
from knowledge.models import Article
from tests.web.test_pages import html

BODY = """## Ausgangslage

Wir nutzen [[software:session]] in [[municipality:05158004]].

## Umstieg

Der Umstieg dauerte drei Monate.
"""


def index() -> None:
    """Apply pending outbox events to the search index, as the on-commit hook would."""
    outbox.apply_pending(only="knowledge.index.consume")


@pytest.fixture
def article(scene, moderator) -> Article:
    a = services.article_create(actor=moderator, title="RIS-Umstieg in Erkrath", status="published",
                                summary="Erfahrungen mit dem Ratsinformationssystem", body=BODY,
                                kind="lessons_learned", tags=["Ratsinformationssystem"],
                                software=[scene.ris], collaborations=[scene.collaboration])
    index()
    return a


def test_article_list_searches_and_shows_facets(client, article, moderator):
    services.article_create(actor=moderator, title="Bürgerbüro digital", status="published",
                            body="Terminvergabe online.")
    index()
    page = html(client.get(reverse("article_list")))
    assert "RIS-Umstieg in Erkrath" in page and "Bürgerbüro digital" in page
    assert 'name="kind" value="lessons_learned"' in page
    page = html(client.get(reverse("article_list"), {"q": "Umstieg"}))
    assert "RIS-Umstieg in Erkrath" in page and "Bürgerbüro digital" not in page
    page = html(client.get(reverse("article_list"), {"kind": "lessons_learned"}))
    assert "Bürgerbüro digital" not in page and "RIS-Umstieg" in page


def test_article_list_hides_drafts_from_visitors(client, article, member):
    services.article_create(actor=member, title="Entwurf Cloud", body="noch geheim")
    index()
    assert "Entwurf Cloud" not in html(client.get(reverse("article_list")))


def test_article_page_has_toc_rendered_body_and_links(client, article):
    page = html(client.get(reverse("article_detail", args=[article.slug])))
    assert '<a href="#ausgangslage">Ausgangslage</a>' in page
    assert 'id="umstieg"' in page
    body = page[page.index('class="article-body"'):page.index('id="verknuepft"')]
    assert f'href="{reverse("municipality_detail", args=["05158004"])}"' in body  # [[...]] link
    linked = page[page.index('id="verknuepft"'):]
    assert reverse("software_detail", args=["session"]) in linked
    assert reverse("collaboration_detail", args=["gemeinsames-ris"]) in linked
    assert 'id="versionen"' not in page  # history is for editors


def test_editor_sees_history_and_diff_between_revisions(client, article, moderator):
    services.article_update(actor=moderator, article=article, expected_revision=1,
                            body=BODY.replace("drei Monate", "vier Monate"), note="korrigiert")
    client.force_login(moderator)
    page = html(client.get(reverse("article_detail", args=[article.slug]), {"von": 1, "bis": 2}))
    assert "korrigiert" in page
    assert "<del>-Der Umstieg dauerte drei Monate.</del>" in page
    assert "<ins>+Der Umstieg dauerte vier Monate.</ins>" in page


def test_unknown_or_draft_article_is_404_for_visitors(client, scene, member):
    draft = services.article_create(actor=member, title="Entwurf", body="x")
    assert client.get(reverse("article_detail", args=[draft.slug])).status_code == 404
    assert client.get(reverse("article_detail", args=["gibt-es-nicht"])).status_code == 404


def test_editor_saves_a_new_revision(client, article, moderator):
    client.force_login(moderator)
    response = client.post(reverse("article_edit", args=[article.slug]), {
        "title": "RIS-Umstieg in Erkrath", "summary": "kurz", "body": "## Neu\n\nText",
        "revision": 1, "note": "gekürzt"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.revision == 2 and article.summary == "kurz"


def test_stale_save_is_refused_with_the_conflict_message(client, article, moderator):
    services.article_update(actor=moderator, article=article, expected_revision=1, body="andere")
    client.force_login(moderator)
    response = client.post(reverse("article_edit", args=[article.slug]), {
        "title": "Mein Titel", "summary": "", "body": "meins", "revision": 1, "note": ""})
    assert response.status_code == 409
    page = response.content.decode()
    assert "wurde inzwischen von" in page and "aktuelle Revision 2" in page
    assert "meins" in page  # the author's text is kept for merging
    article.refresh_from_db()
    assert article.body == "andere" and article.title == "RIS-Umstieg in Erkrath"


def test_visitors_and_other_members_cannot_edit(client, article, member):
    url = reverse("article_edit", args=[article.slug])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(member)
    assert client.get(url).status_code == 403


def test_preview_renders_sanitised_markdown(client, member):
    client.force_login(member)
    response = client.post(reverse("article_preview"),
                           {"body": "## Titel\n\n<script>alert(1)</script>**fett**"})
    page = response.content.decode()
    assert "<strong>fett</strong>" in page and "<script" not in page


def test_edit_page_loads_its_script_from_a_file(client, article, moderator):
    client.force_login(moderator)
    page = html(client.get(reverse("article_edit", args=[article.slug])))
    assert "editor-preview.js" in page and "<script>" not in page


def test_search_page_and_live_search_include_articles(client, article):
    page = html(client.get(reverse("search"), {"q": "Umstieg"}))
    assert "RIS-Umstieg in Erkrath" in page and "Alle Artikel zu dieser Suche" in page
    page = html(client.get(reverse("search_live"), {"q": "Umstieg"}))
    assert "RIS-Umstieg in Erkrath" in page and 'data-count="1"' in page


def test_search_restricted_to_articles(client, article):
    page = html(client.get(reverse("search"), {"q": "Erkrath", "art": "articles"}))
    assert "RIS-Umstieg in Erkrath" in page
    assert reverse("municipality_detail", args=["05158004"]) not in page


def test_home_lists_newest_published_articles(client, article, member):
    services.article_create(actor=member, title="Unfertiger Entwurf", body="x")
    page = html(client.get(reverse("home")))
    assert "Neueste Best Practices" in page and "RIS-Umstieg in Erkrath" in page
    assert "Unfertiger Entwurf" not in page
