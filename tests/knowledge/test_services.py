"""Article writes: workflow, permissions, revisions, diff, restore, optimistic locking."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from hub import errors
from hub.models import OutboxEvent
from knowledge import selectors, services
from knowledge.models import Article, ArticleMention, ArticleStatus
from tests import factories


def _draft(actor, **fields):
    fields.setdefault("body", "Text")
    return services.article_create(actor=actor, title=fields.pop("title", "Umstieg auf SessionNet"),
                                   **fields)


def test_member_creates_draft_as_author_with_first_revision(linked, member):
    article = _draft(member, summary="Kurz", tags=["E-Akte", "OZG"], kind="guide",
                     software=[linked.sessionnet], body="Wir nutzen [[software:sessionnet]].")
    assert article.status == ArticleStatus.DRAFT
    assert article.slug == "umstieg-auf-sessionnet"
    assert list(article.authors.all()) == [member]
    assert article.revision == 1
    revision = article.revisions.get()
    assert (revision.number, revision.author, revision.tags) == (1, member, ["E-Akte", "OZG"])
    assert revision.links["software"] == ["sessionnet"]
    assert 'href="/software/sessionnet/"' in article.html
    assert ArticleMention.objects.get(article=article).software == linked.sessionnet


def test_slug_spells_umlauts_out_and_stays_unique(member):
    first = _draft(member, title="Bürgerbüro für alle")
    second = _draft(member, title="Bürgerbüro für alle")
    assert (first.slug, second.slug) == ("buergerbuero-fuer-alle", "buergerbuero-fuer-alle-2")


@pytest.mark.parametrize("persona", ["anonymous", "vendor"])
def test_only_members_create(db, request, persona):
    with pytest.raises(PermissionDenied):
        _draft(request.getfixturevalue(persona))


def test_broken_links_are_listed_to_the_author_only(linked, member, other_editor):
    article = _draft(member, body="Siehe [[software:gibtesnicht]].")
    broken = selectors.article_broken_links(user=member, article=article)
    assert [b["key"] for b in broken] == ["gibtesnicht"]
    assert "gibtesnicht" in broken[0]["message"] and broken[0]["code"] == errors.BROKEN_LINK
    assert selectors.article_broken_links(user=other_editor, article=article) == []


def test_stale_revision_is_refused_with_edit_conflict(member):
    article = _draft(member)
    services.article_update(actor=member, article=article, expected_revision=1, body="Neu A")
    with pytest.raises(ValidationError) as exc:
        services.article_update(actor=member, article=Article.objects.get(pk=article.pk),
                                expected_revision=1, body="Neu B")
    assert exc.value.code == errors.EDIT_CONFLICT
    assert exc.value.current_revision == 2
    assert "member" in exc.value.messages[0]
    article.refresh_from_db()
    assert (article.body, article.revision, article.revisions.count()) == ("Neu A", 2, 2)


def test_unchanged_save_writes_no_revision(member):
    article = _draft(member, tags=["OZG"])
    services.article_update(actor=member, article=article, expected_revision=1, body="Text",
                            tags=["ozg"])
    assert article.revisions.count() == 1 and article.revision == 1


def test_update_rejects_unknown_or_protected_fields(member):
    article = _draft(member)
    with pytest.raises(ValidationError) as exc:
        services.article_update(actor=member, article=article, expected_revision=1, status="published")
    assert exc.value.error_dict["status"][0].code == errors.INVALID


def test_workflow_submit_then_moderator_publishes(member, moderator):
    article = _draft(member)
    services.article_submit(actor=member, article=article)
    assert article.status == ArticleStatus.IN_REVIEW
    with pytest.raises(PermissionDenied):
        services.article_publish(actor=member, article=article)
    services.article_publish(actor=moderator, article=article, expected_revision=2)
    assert article.status == ArticleStatus.PUBLISHED and article.published_at is not None
    services.article_archive(actor=member, article=article)
    assert article.status == ArticleStatus.ARCHIVED
    assert [r.status for r in article.revisions.order_by("number")] == [
        "draft", "in_review", "published", "archived"]


def test_invalid_transition_is_refused(member, moderator):
    article = _draft(member)
    services.article_publish(actor=moderator, article=article)
    with pytest.raises(ValidationError) as exc:
        services.article_submit(actor=member, article=article)
    assert exc.value.error_dict["status"][0].code == errors.INVALID_TRANSITION


def test_author_cannot_unpublish_but_moderator_can(member, moderator):
    article = _draft(member)
    services.article_publish(actor=moderator, article=article)
    with pytest.raises(PermissionDenied):
        services.article_withdraw(actor=member, article=article)
    services.article_withdraw(actor=moderator, article=article)
    assert article.status == ArticleStatus.DRAFT


def test_granted_colleague_edits_others_do_not(member, own_editor, other_editor):
    article = _draft(member)
    with pytest.raises(PermissionDenied):
        services.article_update(actor=own_editor, article=article, expected_revision=1, body="x")
    services.article_grant_editor(actor=member, article=article, user=own_editor)
    services.article_update(actor=own_editor, article=article, expected_revision=1, body="x")
    assert article.revisions.first().author == own_editor
    with pytest.raises(PermissionDenied):  # grantees edit, but do not share further
        services.article_grant_editor(actor=own_editor, article=article, user=other_editor)
    with pytest.raises(PermissionDenied):
        services.article_update(actor=own_editor, article=article, expected_revision=2,
                                authors=[own_editor])
    services.article_revoke_editor(actor=member, article=article, user=own_editor)
    with pytest.raises(PermissionDenied):
        services.article_update(actor=own_editor, article=article, expected_revision=2, body="y")


def test_diff_between_any_two_revisions(linked, member):
    article = _draft(member, body="Zeile eins\nZeile zwei", tags=["OZG"])
    services.article_update(actor=member, article=article, expected_revision=1,
                            body="Zeile eins\nZeile drei", title="Neuer Titel")
    services.article_update(actor=member, article=article, expected_revision=2,
                            software=[linked.sessionnet])
    diffs = {d.field: d for d in selectors.article_diff(user=member, article=article, old=1, new=3)}
    assert set(diffs) == {"title", "body", "links"}
    assert "-Zeile zwei" in diffs["body"].unified and "+Zeile drei" in diffs["body"].unified
    assert diffs["links"].new == "software: sessionnet"
    assert selectors.article_diff(user=member, article=article, old=2, new=3)[0].field == "links"


def test_restore_brings_back_content_tags_and_links_as_new_revision(linked, member):
    article = _draft(member, body="Original", tags=["OZG"], software=[linked.sessionnet])
    services.article_update(actor=member, article=article, expected_revision=1, body="Verhunzt",
                            tags=["Cloud"], software=[linked.allris])
    services.article_restore(actor=member, article=article, number=1, expected_revision=2)
    assert article.revision == 3 and article.body == "Original"
    assert [t.name for t in article.tags.all()] == ["OZG"]
    assert list(article.software.all()) == [linked.sessionnet]
    latest = article.revisions.first()
    assert latest.restored_from == 1 and "Revision 1" in latest.note
    with pytest.raises(ValidationError):
        services.article_restore(actor=member, article=article, number=1, expected_revision=2)


def test_history_is_for_editors(member, other_editor, moderator):
    article = _draft(member)
    services.article_publish(actor=moderator, article=article)
    assert selectors.article_revisions(user=other_editor, article=article).count() == 0
    assert selectors.article_revisions(user=moderator, article=article).count() == 2


def test_article_changes_go_through_the_outbox(linked, member):
    before = OutboxEvent.objects.filter(entity="article").count()
    article = _draft(member, software=[linked.sessionnet])
    events = OutboxEvent.objects.filter(entity="article", entity_id=article.pk)
    assert events.count() > 0 and OutboxEvent.objects.filter(entity="article").count() > before
    slug = article.slug
    services.article_delete(actor=member, article=article)
    deleted = OutboxEvent.objects.filter(entity="article", op="delete").last()
    assert deleted.payload["slug"] == slug


def test_delete_of_published_article_is_moderation(member, moderator):
    article = _draft(member)
    services.article_publish(actor=moderator, article=article)
    with pytest.raises(PermissionDenied):
        services.article_delete(actor=member, article=article)
    services.article_delete(actor=moderator, article=article)
    assert not Article.objects.filter(pk=article.pk).exists()


@pytest.mark.parametrize(("persona", "expected"), [
    ("anonymous", {"public"}),
    ("vendor", {"public"}),
    ("member", {"public", "members", "own-draft", "own-private"}),
    ("other_editor", {"public", "members"}),
    ("moderator", {"public", "members", "own-draft", "own-private", "archived-members"}),
])
def test_article_list_respects_visibility_and_state(request, member, moderator, persona, expected):
    def make(slug, visibility, status):
        article = services.article_create(actor=member, title=slug, slug=slug, visibility=visibility)
        if status != "draft":
            services.article_publish(actor=moderator, article=article)
        if status == "archived":
            services.article_archive(actor=moderator, article=article)
            services.article_update(actor=moderator, article=article,
                                    expected_revision=article.revision, authors=[moderator])

    make("public", "public", "published")
    make("members", "members", "published")
    make("own-draft", "public", "draft")
    make("own-private", "private", "published")
    make("archived-members", "private", "archived")
    user = request.getfixturevalue(persona)
    assert set(selectors.article_list(user=user).values_list("slug", flat=True)) == expected


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_on_the_same_revision_never_lose_an_update():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises whole transactions")
    user = factories.UserFactory(is_superuser=True)
    article = services.article_create(actor=user, title="Parallel")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def save(n: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                services.article_update(actor=user, article=Article.objects.get(pk=article.pk),
                                        expected_revision=1, body=f"Fassung {n}")
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["EDIT_CONFLICT"] * 3 + ["saved"]
    article.refresh_from_db()
    assert article.revision == 2 and article.revisions.count() == 2
