"""Writing and editing articles in the web interface: the same services, validation and
permissions as the GraphQL API (knowledge.services), errors next to their fields in German
and English, tags, linked entities and visibility, the workflow buttons and the conflict."""

import pytest
from django.urls import reverse

from knowledge import services
from knowledge.models import Article
from tests.web.test_pages import html


def _new(client, **fields):
    data = {"title": "E-Akte in Erkrath", "summary": "", "body": "## Start\n\nText",
            "kind": "best_practice", "visibility": "members", "tags": "", "municipalities": "",
            "software": "", "services": "", "note": ""}
    return client.post(reverse("article_create"), {**data, **fields})


def test_member_creates_a_draft_with_tags_links_and_visibility(client, scene, member):
    client.force_login(member)
    response = _new(client, tags="E-Akte, Cloud, e-akte", kind="guide",
                    municipalities="Erkrath (05158004), Mülheim an der Ruhr",
                    software="session, d.velop documents", services="99108002000000")
    article = Article.objects.get(title="E-Akte in Erkrath")
    assert response.status_code == 302 and response.url == article.get_absolute_url()
    assert (article.status, article.visibility, article.kind) == ("draft", "members", "guide")
    assert sorted(t.name for t in article.tags.all()) == ["Cloud", "E-Akte"]
    assert sorted(m.ags for m in article.municipalities.all()) == ["05117000", "05158004"]
    assert sorted(s.slug for s in article.software.all()) == ["dvelop", "session"]
    assert [s.pk for s in article.services.all()] == [scene.leika.pk]
    assert list(article.authors.all()) == [member]
    assert article.revisions.count() == 1  # written by knowledge.services.article_create


def test_unknown_and_ambiguous_links_are_shown_next_to_their_fields(client, scene, member):
    client.force_login(member)
    response = _new(client, title="", software="gibt-es-nicht", municipalities="05999999")
    page = html(response)
    assert not Article.objects.exists()
    assert 'id="a-software-error">„gibt-es-nicht“ wurde nicht gefunden.' in page
    assert 'id="a-municipalities-error">„05999999“ wurde nicht gefunden.' in page
    assert 'id="a-title-error">' in page and 'aria-invalid="true"' in page
    assert "nicht eindeutig" not in page


def test_validation_errors_are_shown_in_english_with_the_switch(client, scene, member):
    client.force_login(member)
    client.cookies["django_language"] = "en"
    page = html(_new(client, title="   ", software="gibt-es-nicht"))
    assert "“gibt-es-nicht” was not found." in page
    assert "This field is required." in page
    assert 'id="a-title-error">' in page


def test_visitors_and_vendors_may_not_create_articles(client, scene, vendor):
    assert client.get(reverse("article_create")).status_code == 302  # to the login page
    client.force_login(vendor)
    assert client.get(reverse("article_create")).status_code == 403
    assert _new(client).status_code == 403
    assert not Article.objects.exists()


def test_editor_changes_tags_links_and_visibility(client, scene, member):
    article = services.article_create(actor=member, title="RIS", body="x", tags=["Alt"])
    client.force_login(member)
    page = html(client.get(reverse("article_edit", args=[article.slug])))
    assert 'value="Alt"' in page
    response = client.post(reverse("article_edit", args=[article.slug]), {
        "title": "RIS", "summary": "", "body": "x", "kind": "strategy",
        "visibility": "private", "tags": "Neu, OZG", "municipalities": "Erkrath (05158004)",
        "software": "Session (session)", "services": "", "revision": 1, "note": "Links"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.revision, article.visibility, article.kind) == (2, "private", "strategy")
    assert sorted(t.name for t in article.tags.all()) == ["Neu", "OZG"]
    assert [m.ags for m in article.municipalities.all()] == ["05158004"]
    assert article.revisions.first().links["software"] == ["session"]
    page = html(client.get(reverse("article_edit", args=[article.slug])))
    assert "Erkrath (05158004)" in page and "Session (session)" in page


def test_edit_keeps_the_conflict_message_and_the_authors_input(client, scene, member):
    article = services.article_create(actor=member, title="RIS", body="x")
    services.article_update(actor=member, article=article, expected_revision=1, body="y")
    client.force_login(member)
    response = client.post(reverse("article_edit", args=[article.slug]), {
        "title": "RIS", "body": "meins", "tags": "Neu", "visibility": "public", "revision": 1})
    assert response.status_code == 409
    page = response.content.decode()
    assert "wurde inzwischen von" in page and "aktuelle Revision 2" in page
    assert "?von=1&amp;bis=2#versionen" in page
    assert "meins" in page and 'value="Neu"' in page
    article.refresh_from_db()
    assert article.body == "y" and not article.tags.exists()


def test_own_editors_may_not_edit_but_granted_ones_may(client, scene, member, own_editor):
    article = services.article_create(actor=member, title="RIS", body="x")
    client.force_login(own_editor)
    url = reverse("article_edit", args=[article.slug])
    assert client.get(url).status_code == 404  # a draft they may not even read
    services.article_grant_editor(actor=member, article=article, user=own_editor)
    response = client.post(url, {"title": "RIS", "body": "x", "tags": "Neu", "revision": 1})
    assert response.status_code == 302
    assert [t.name for t in article.tags.all()] == ["Neu"]


def test_workflow_buttons_submit_and_publish(client, scene, member, moderator):
    article = services.article_create(actor=member, title="RIS", body="x", visibility="members")
    client.force_login(member)
    page = html(client.get(article.get_absolute_url()))
    assert 'value="submit"' in page and 'value="publish"' not in page
    url = reverse("article_transition", args=[article.slug])
    assert client.post(url, {"aktion": "publish", "revision": 1}).status_code == 403
    assert client.post(url, {"aktion": "submit", "revision": 1}).status_code == 302
    client.force_login(moderator)
    assert 'value="publish"' in html(client.get(article.get_absolute_url()))
    client.post(url, {"aktion": "publish", "revision": 1})  # stale: refused, nothing changes
    article.refresh_from_db()
    assert article.status == "in_review"
    client.post(url, {"aktion": "publish", "revision": 2})
    article.refresh_from_db()
    assert article.status == "published" and article.revision == 3


@pytest.mark.parametrize("who, status", [("anonymous", 404), ("member", 200),
                                         ("vendor", 404)])
def test_published_members_only_article_is_readable_by_members_only(
        client, scene, moderator, request, who, status):
    article = services.article_create(actor=moderator, title="Nur intern", body="x",
                                      visibility="members", status="published")
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(article.get_absolute_url()).status_code == status
