"""Demo articles: realistic, linked to the hub's demo data, marked as demo, idempotent."""

from hub import demo
from knowledge import search
from knowledge.demo import load_demo_articles
from knowledge.models import Article, ArticleRevision
from tests.knowledge.conftest import drain


def test_demo_articles_are_linked_marked_and_idempotent(db, anonymous):
    counts = demo.load()["articles"]
    assert counts["articles"] >= 15 and counts["created"] == counts["articles"]
    assert counts["skipped_references"] == 0
    articles = Article.objects.all()
    assert articles.count() == counts["articles"] and not articles.filter(is_demo=False).exists()
    assert not articles.exclude(broken_links=[]).exists()
    assert all("Demo-Inhalt" in a.body and "fiktiv" in a.body for a in articles)
    assert not articles.filter(municipalities=None).exists()
    assert len(set(articles.values_list("kind", flat=True))) == 5
    mettmann = Article.objects.get(slug="ris-umstieg-kreis-mettmann")
    assert set(mettmann.municipalities.values_list("ags", flat=True)) >= {"05158000", "05158004"}
    assert mettmann.mentions.filter(kind="collaboration").exists()
    muelheim = Article.objects.get(slug="wohngeld-online-efa-muelheim")
    assert muelheim.municipalities.get().ags == "05117000"
    assert muelheim.services.filter(leika_key="99107023000000").exists()
    revisions = ArticleRevision.objects.count()
    again = load_demo_articles()
    assert (again.created, again.updated) == (0, 0)
    assert ArticleRevision.objects.count() == revisions
    drain()
    hits = search.search_articles(user=anonymous, query="Wohngeld Mülheim").hits
    assert hits[0].obj == muelheim


def test_demo_articles_load_without_the_hub_demo(world):
    counts = load_demo_articles()
    assert counts.created == counts.articles >= 15
    assert counts.skipped_references > 0  # software, services, collaborations are missing
    assert Article.objects.get(slug="e-akte-einfuehrung-erkrath").municipalities.get() == world.own
