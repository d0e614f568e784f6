"""The admin writes through the services: revisions, rendering, optimistic locking."""

from knowledge import services
from knowledge.models import Article


def _form(article, **changes):
    data = {"title": article.title, "slug": article.slug, "summary": article.summary,
            "body": article.body, "kind": article.kind, "status": article.status,
            "visibility": article.visibility, "base_revision": article.revision,
            "revisions-TOTAL_FORMS": "0", "revisions-INITIAL_FORMS": "0",
            "revisions-MIN_NUM_FORMS": "0", "revisions-MAX_NUM_FORMS": "0"}
    data.update(changes)
    return data


def test_admin_edit_writes_a_revision_and_refuses_a_stale_one(admin_client, admin_user, member,
                                                               linked):
    client = admin_client
    article = services.article_create(actor=member, title="Bürgerbüro", body="alt")
    url = f"/admin/knowledge/article/{article.pk}/change/"
    assert client.get(url).status_code == 200
    stale = _form(article, body="von der Moderation [[software:sessionnet]]",
                  software=[linked.sessionnet.pk])
    response = client.post(url, stale)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.revision == 2 and 'href="/software/sessionnet/"' in article.html
    assert list(article.software.all()) == [linked.sessionnet]
    assert article.revisions.first().author == admin_user
    response = client.post(url, _form(article, base_revision=1, body="überschrieben?"))
    assert response.status_code == 200 and "inzwischen geändert" in response.content.decode()
    article.refresh_from_db()
    assert article.body.startswith("von der Moderation")


def test_admin_add_creates_through_the_service(admin_client):
    client = admin_client
    data = _form(Article(title="Neu: E-Akte", kind="guide", status="published", visibility="public",
                         body="# Start"), slug="", base_revision="")
    response = client.post("/admin/knowledge/article/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert (article.slug, article.status, article.revision) == ("neu-e-akte", "published", 1)
    assert article.published_at is not None and '<h1 id="start">' in article.html
