"""Discovery and knowledge links on the municipality and software pages: answers from the
real embedded graph engine, a German notice while it is down, and visibility kept."""

import pytest
from django.urls import reverse

from graph import projection
from hub import services as hub_services
from knowledge import services as knowledge_services
from tests import factories
from tests.web.test_pages import html


@pytest.fixture
def projected(scene, graph):
    projection.rebuild()
    return scene


def test_municipality_page_shows_similar_municipalities_with_shared_software(client, projected):
    page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    section = page[page.index('id="aehnliche"'):page.index('id="vergleich"')]
    assert "Ähnliche Kommunen" in section
    assert reverse("municipality_detail", args=["05117000"]) in section  # Mülheim
    assert "Gemeinsam:" in section and "Session" in section
    assert "Berechnet am" in section


def test_municipality_page_recommends_what_similar_municipalities_use(client, projected, world):
    second = factories.SoftwareFactory(name="OpenRathaus", slug="openrathaus",
                                       category=projected.dms.category)
    factories.UsageFactory(municipality=world.other, software=second, satisfaction=4)
    projection.rebuild()
    page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    section = page[page.index('id="empfehlungen"'):page.index('id="vergleich"')]
    assert reverse("software_detail", args=["openrathaus"]) in section
    assert "Mülheim" in section and "4,0 / 5" in section


def test_municipality_page_says_when_the_graph_is_down(client, scene):
    page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    assert "Die Empfehlungen sind gerade nicht verfügbar" in page
    assert "Session" in page  # the rest of the page is there


def test_software_page_shows_products_used_together(client, projected, world):
    # Session and d.velop together in Mülheim and in the Kreis (Erkrath only plans d.velop)
    factories.UsageFactory(municipality=world.kreis, software=projected.dms)
    factories.UsageFactory(municipality=world.kreis, software=projected.ris)
    projection.rebuild()
    page = html(client.get(reverse("software_detail", args=["session"])))
    section = page[page.index('id="zusammen"'):]
    assert reverse("software_detail", args=["dvelop"]) in section
    assert "Kommunen nutzen beide" in section


def test_software_page_shows_migration_paths_both_ways(client, projected, world, own_editor):
    hub_services.usage_retire(actor=own_editor, usage=projected.own_usage,
                              successor=projected.other_ris)
    factories.UsageFactory(municipality=world.own, software=projected.other_ris)
    projection.rebuild()
    page = html(client.get(reverse("software_detail", args=["session"])))
    assert reverse("software_detail", args=["allris"]) in page[page.index('id="migration"'):]
    page = html(client.get(reverse("software_detail", args=["allris"])))
    assert reverse("software_detail", args=["session"]) in page[page.index('id="migration"'):]


def test_software_page_says_when_the_graph_is_down(client, scene):
    page = html(client.get(reverse("software_detail", args=["session"])))
    assert "Die Empfehlungen sind gerade nicht verfügbar" in page


def test_software_page_links_published_articles_about_it_only(client, scene, moderator):
    knowledge_services.article_create(
        actor=moderator, title="RIS-Umstieg in Erkrath", status="published",
        body="Wir nutzen [[software:session]] seit 2015.")
    knowledge_services.article_create(actor=moderator, title="Geheimer Entwurf",
                                      body="Auch [[software:session]].")
    page = html(client.get(reverse("software_detail", args=["session"])))
    assert "RIS-Umstieg in Erkrath" in page
    assert "Geheimer Entwurf" not in page


def test_municipality_page_links_articles_mentioning_it(client, scene, moderator):
    knowledge_services.article_create(
        actor=moderator, title="Bürgerbüro Erkrath", status="published",
        body="Bericht aus [[municipality:05158004]].")
    page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    assert "Bürgerbüro Erkrath" in page[page.index('id="wissen"'):]
