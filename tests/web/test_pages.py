"""Public pages through Django's test client: what each persona sees, in German and English,
and how many queries the heavy pages need."""

import pytest
from django.urls import reverse

from tests import factories


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_home_has_search_entry_point_and_top_products(client, scene):
    page = html(client.get(reverse("home")))
    assert 'role="search"' in page
    assert 'data-live-search="/suche/live/' in page
    assert "Finde Kommunen mit der gleichen Lösung" in page
    assert f'href="{reverse("software_detail", args=["session"])}"' in page
    assert "2 Kommunen" in page  # Session: Erkrath and Mülheim


def test_home_counts_members_only_usage_only_for_members(client, member, scene):
    link = f'href="{reverse("software_detail", args=["allris"])}"'
    assert link not in html(client.get("/"))
    client.force_login(member)
    assert link in html(client.get("/"))


def test_search_page_finds_every_kind(client, scene):
    page = html(client.get(reverse("search"), {"q": "Wohngeld"}))
    assert "Wohngeld Mietzuschuss" in page
    page = html(client.get(reverse("search"), {"q": "Erkrath"}))
    assert reverse("municipality_detail", args=["05158004"]) in page
    page = html(client.get(reverse("search"), {"q": "KRZN"}))
    assert reverse("organization_detail", args=["krzn"]) in page
    page = html(client.get(reverse("search"), {"q": "Somacos"}))  # vendor name finds its product
    assert reverse("software_detail", args=["session"]) in page


def test_search_by_ags_prefix_and_postal_code(client, scene):
    assert "Erkrath" in html(client.get(reverse("search"), {"q": "05158004"}))


def test_search_asks_for_two_characters(client, scene):
    assert "mindestens zwei Zeichen" in html(client.get(reverse("search"), {"q": "E"}))


def test_live_search_returns_a_fragment_with_a_count(client, scene):
    page = html(client.get(reverse("search_live"), {"q": "Erk"}))
    assert "<html" not in page
    assert 'data-count="1"' in page
    assert "Erkrath" in page


def test_live_search_restricted_to_software(client, scene):
    page = html(client.get(reverse("search_live"), {"q": "Ses", "art": "software"}))
    assert "Session" in page
    page = html(client.get(reverse("search_live"), {"q": "Erk", "art": "software"}))
    assert "Erkrath" not in page and 'data-count="0"' in page


def test_live_search_says_nothing_found(client, scene):
    assert "Nichts gefunden" in html(client.get(reverse("search_live"), {"q": "zzzz"}))


def test_municipality_page_groups_software_by_category_and_status(client, scene):
    page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    # taxonomy order: Dokumentenmanagement (position 20) before Ratsinformationssystem (100)
    assert page.index("<caption>Dokumentenmanagement") < page.index("<caption>Ratsinformationssystem")
    assert "Session" in page and "d.velop documents" in page
    assert "im Einsatz: 1" in page and "geplant: 1" in page
    assert "KRZN" in page and "über den Kreis Mettmann" in page  # provider of the Kreis
    assert "Gemeinsames RIS" in page
    assert "Wohngeld Mietzuschuss" in page  # offered online with Session


def test_anonymous_visitor_sees_no_contact_data(client, scene):
    page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    assert "Erika Mustermann" not in page
    assert "erika.mustermann@erkrath.example" not in page
    assert "+49 211 123456" not in page
    assert "Ansprechpersonen sehen nur angemeldete Mitglieder" in page


def test_vendor_sees_no_contact_data(client, vendor, scene):
    client.force_login(vendor)
    page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    assert "erika.mustermann@erkrath.example" not in page


def test_member_sees_contacts(client, member, scene):
    client.force_login(member)
    page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    assert "erika.mustermann@erkrath.example" in page and "+49 211 123456" in page


def test_members_only_usage_hidden_from_anonymous(client, member, scene):
    url = reverse("municipality_detail", args=["05158008"])
    assert "ALLRIS" not in html(client.get(url))
    client.force_login(member)
    assert "ALLRIS" in html(client.get(url))


def test_kreis_page_lists_its_municipalities(client, scene):
    page = html(client.get(reverse("municipality_detail", args=["05158000"])))
    assert "Erkrath" in page and "Haan" in page


def test_edit_link_only_for_editors(client, own_editor, other_editor, scene):
    url = reverse("municipality_detail", args=["05158004"])
    edit = reverse("editor_dashboard", args=["05158004"])
    assert edit not in html(client.get(url))
    client.force_login(other_editor)
    assert edit not in html(client.get(url))
    client.force_login(own_editor)
    assert edit in html(client.get(url))


def test_unknown_municipality_is_404(client, db):
    response = client.get(reverse("municipality_detail", args=["09999999"]))
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


def test_municipality_page_query_count_is_flat(client, member, scene, django_assert_max_num_queries):
    for i in range(30):
        usage = factories.UsageFactory(municipality=scene.own_usage.municipality,
                                       software=factories.SoftwareFactory(name=f"P{i}"))
        usage.services.set([scene.ozg])
    client.force_login(member)
    # +3 over the first UI pass: the articles section (guardian's visibility rule, one list)
    with django_assert_max_num_queries(18):
        page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    assert "P29" in page


def test_software_page_shows_users_grouped_map_status_and_satisfaction(client, scene):
    page = html(client.get(reverse("software_detail", args=["session"])))
    table = page.split('id="nutzer"', 1)[1]
    assert table.index("Mettmann") < table.index("Erkrath")  # Kreis heading above its members
    assert "kreisfreie Städte und Kreise" in page  # Mülheim has no Kreis
    assert page.count('class="dot dot-') == 2
    assert 'data-ags="05158004"' in page and 'data-ags="05117000"' in page
    assert "Durchschnitt 3,0 von 5 aus 2 Bewertungen" in page
    assert "<svg" in page and "<title" in page
    assert "http://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_software_map_coordinates_are_not_localised(client, scene):
    """German number formatting (comma) would break SVG coordinates."""
    page = html(client.get(reverse("software_detail", args=["session"])))
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'cx="' in svg and "," not in svg.split('cx="', 1)[1].split('"', 1)[0]


def test_long_user_list_asks_for_a_state_first(client, scene, settings, monkeypatch):
    from web.views import pages

    monkeypatch.setattr(pages, "FULL_TABLE_LIMIT", 1)
    url = reverse("software_detail", args=["session"])
    page = html(client.get(url))
    assert "Wählen Sie ein Land" in page
    assert "Erkrath</a>" not in page.split('id="nutzer"', 1)[1]
    assert "Erkrath" in html(client.get(url, {"land": "05"}))


def test_software_page_query_count_is_flat(client, member, scene, django_assert_max_num_queries):
    for _ in range(40):
        factories.UsageFactory(software=scene.ris,
                               municipality=factories.MunicipalityFactory(parent=scene.neighbour.parent))
    client.force_login(member)
    # +3 over the first UI pass: the best-practices section (visibility rule, one list)
    with django_assert_max_num_queries(13):
        page = html(client.get(reverse("software_detail", args=["session"])))
    assert page.count('class="dot dot-') == 2  # new ones have no coordinates


def test_unknown_software_is_404(client, db):
    assert client.get(reverse("software_detail", args=["nope"])).status_code == 404


def test_service_page_lists_who_offers_it_with_which_software(client, scene):
    page = html(client.get(reverse("service_detail", args=[scene.ozg.pk])))
    assert "Online angeboten von 1 Kommune" in page
    assert "Erkrath" in page and "Session" in page
    assert "Wohngeld Mietzuschuss" in page  # its LeiKa service


def test_service_page_ignores_planned_usages(client, scene):
    usage = factories.UsageFactory(software=scene.dms, status="planned")
    usage.services.set([scene.ozg])
    page = html(client.get(reverse("service_detail", args=[scene.ozg.pk])))
    assert "Online angeboten von 1 Kommune" in page


def test_compare_shows_shared_and_different_products(client, world, scene):
    finance = factories.CategoryFactory(name="Finanzwesen", slug="finanzen", position=5)
    factories.UsageFactory(municipality=world.own, software=factories.SoftwareFactory(
        name="H&H proDoppik", category=finance))
    factories.UsageFactory(municipality=world.other, software=factories.SoftwareFactory(
        name="SAP S/4HANA", category=finance))
    page = html(client.get(reverse("municipality_compare"), {"a": "05158004", "b": "05117000"}))
    assert "2 gemeinsame Produkte" in page  # Session and d.velop
    different = page.split('id="diff-h"', 1)[1].split("</section>", 1)[0]
    assert "Finanzwesen" in different
    assert "H&amp;H proDoppik" in different and "SAP S/4HANA" in different
    only_first = page.split('id="only-a-h"', 1)[1].split("</section>", 1)[0]
    assert "H&amp;H proDoppik" in only_first and "SAP" not in only_first


def test_compare_resolves_names_and_offers_candidates(client, scene):
    page = html(client.get(reverse("municipality_compare"), {"a": "Erkrath", "b": "Ha"}))
    assert "Welche Kommune meinen Sie" not in page  # Haan is the only match
    assert "gemeinsam" in page
    factories.MunicipalityFactory(name="Hattingen")
    page = html(client.get(reverse("municipality_compare"), {"a": "Erkrath", "b": "Ha"}))
    assert "Welche Kommune meinen Sie mit „Ha“?" in page
    assert "a=05158004&amp;b=" in page


def test_compare_reports_unknown_municipality(client, scene):
    page = html(client.get(reverse("municipality_compare"), {"a": "Erkrath", "b": "Atlantis"}))
    assert "Keine Kommune gefunden für „Atlantis“" in page


def test_organization_page_lists_members_and_hides_contacts(client, member, scene):
    factories.ContactFactory(municipality=None, organization=scene.own_usage.operated_by,
                             email="service@krzn.example")
    url = reverse("organization_detail", args=["krzn"])
    page = html(client.get(url))
    assert "Mettmann" in page and "service@krzn.example" not in page
    client.force_login(member)
    assert "service@krzn.example" in html(client.get(url))


def test_vendor_page_lists_products(client, scene):
    assert "Session" in html(client.get(reverse("organization_detail", args=["somacos"])))


def test_members_only_collaboration_is_404_for_anonymous(client, member, scene):
    scene.collaboration.visibility = "members"
    scene.collaboration.save()
    url = reverse("collaboration_detail", args=["gemeinsames-ris"])
    assert client.get(url).status_code == 404
    assert "Gemeinsames RIS" not in html(client.get(reverse("municipality_detail", args=["05158004"])))
    client.force_login(member)
    assert "Erkrath" in html(client.get(url))


@pytest.mark.parametrize("name", ["municipality_list", "software_list", "service_list",
                                  "organization_list"])
def test_lists_filter_and_paginate(client, scene, name):
    page = html(client.get(reverse(name), {"q": "e", "seite": "99"}))
    assert "<table" in page or "<ul>" in page


def test_municipality_list_filters_by_state(client, scene):
    factories.MunicipalityFactory(name="Kiel", ags="01002000",
                                  state=factories.StateFactory(code="01", name="Schleswig-Holstein"))
    page = html(client.get(reverse("municipality_list"), {"land": "01"}))
    assert "Kiel" in page and "Erkrath" not in page


def test_pages_switch_to_english(client, scene):
    client.cookies["django_language"] = "en"
    page = html(client.get(reverse("municipality_detail", args=["05158004"])))
    assert '<html lang="en">' in page
    assert "Software in use" in page
    assert "Software im Einsatz" not in page
    assert "Skip to content" in page and ">Compare<" in page and ">Log in<" in page
    assert "Entries marked “Demo” are fictional." in page


def test_extension_points_are_in_place(client, own_editor, scene):
    """The second UI pass plugs discovery, knowledge, tokens and CSV upload in here."""
    def used(response):
        return {t.name for t in response.templates}

    assert "web/extensions/home_best_practices.html" in used(client.get("/"))
    assert "web/extensions/search_articles.html" in used(client.get("/suche/", {"q": "Erk"}))
    assert {"web/extensions/municipality_discovery.html",
            "web/extensions/municipality_knowledge.html"} <= used(
        client.get(reverse("municipality_detail", args=["05158004"])))
    assert {"web/extensions/software_used_with.html",
            "web/extensions/software_best_practices.html"} <= used(
        client.get(reverse("software_detail", args=["session"])))
    client.force_login(own_editor)
    assert {"web/extensions/editor_api_tokens.html", "web/extensions/editor_csv_upload.html"} <= used(
        client.get(reverse("editor_dashboard", args=["05158004"])))


def test_home_ranks_products_by_users_and_reflects_changes_at_once(client, world, scene):
    top = client.get("/").context["top"]
    ris = next(products for category, products in top if category.slug == "ratsinformationssystem")
    assert [s.slug for s in ris] == ["session"]
    for _ in range(3):
        factories.UsageFactory(software=scene.other_ris)
    top = client.get("/").context["top"]  # cached per data version: a write shows at once
    ris = next(products for category, products in top if category.slug == "ratsinformationssystem")
    assert [(s.slug, s.n_users) for s in ris] == [("allris", 3), ("session", 2)]


def test_home_is_cached_between_writes(client, scene, django_assert_max_num_queries):
    client.get("/")
    with django_assert_max_num_queries(1):  # only the data version
        assert client.get("/").status_code == 200


def test_map_draws_many_dots_as_paths(client, scene, monkeypatch):
    from web.views import pages

    monkeypatch.setattr(pages, "MAP_DOT_LIMIT", 1)
    page = html(client.get(reverse("software_detail", args=["session"])))
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<circle" not in svg
    path = svg.split('class="dots-path dot-production" d="', 1)[1].split('"', 1)[0]
    assert path.count("h0") == 2
    assert "2 Punkte" in svg


def test_descriptions_render_markdown_safely(client, scene):
    scene.ris.description = "Ein **RIS**. [Quelle](https://example.org/q)\n\n<script>alert(1)</script>"
    scene.ris.save()
    page = html(client.get(reverse("software_detail", args=["session"])))
    assert "<strong>RIS</strong>" in page
    assert 'href="https://example.org/q"' in page
    assert "<script>alert(1)" not in page
