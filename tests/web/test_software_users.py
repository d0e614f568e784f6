"""The software page at scale: the 'who uses it' table by Land, Kreis and page, the cached
counts and map, and query counts that stay the same however many municipalities use it."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def users_section(page: str) -> str:
    return page.split('id="nutzer"', 1)[1]


def queries_of(client, url: str, **params) -> int:
    cache.clear()  # the first view after a write: nothing cached
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def add_users(software, n: int, *, kreis, state=None, name="Ort") -> list:
    """n municipalities in the Kreis (with coordinates) that use the product."""
    extra = {"state": state} if state else {"state": kreis.state}
    return [factories.UsageFactory(software=software, municipality=factories.MunicipalityFactory(
        name=f"{name} {i:03d}", parent=kreis, latitude=51.0 + i / 1000, longitude=7.0, **extra))
        for i in range(n)]


@pytest.fixture
def long_table(monkeypatch):
    """A 'long' table from 3 rows on and pages of 2 rows, so the paths for thousands of
    users run on a handful."""
    from web.views import pages

    monkeypatch.setattr(pages, "FULL_TABLE_LIMIT", 3)
    monkeypatch.setattr(pages, "ROWS_PER_PAGE", 2)


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_software_page_query_count_does_not_grow_with_its_users(client, scene, member, persona,
                                                              django_assert_max_num_queries):
    if persona == "member":
        client.force_login(member)
    url = reverse("software_detail", args=["session"])
    few = queries_of(client, url)
    add_users(scene.ris, 400, kreis=scene.neighbour.parent)  # past FULL_TABLE_LIMIT
    assert queries_of(client, url) <= few
    assert queries_of(client, url, land="05") <= few + 3  # Kreis index, page count, page
    with django_assert_max_num_queries(few + 2):  # Kreis index cached with the counts
        html(client.get(url, {"land": "05", "seite": 2}))
    with django_assert_max_num_queries(few + 3):
        page = html(client.get(url, {"land": "05", "kreis": "05158000"}))
    assert "Ort 000" in page and "Ort 399" not in page  # one page, not 400 rows


def test_software_page_is_cached_until_the_next_write(client, scene):
    url = reverse("software_detail", args=["session"])
    cold = queries_of(client, url)
    with CaptureQueriesContext(connection) as warm:
        html(client.get(url))
    assert len(warm) < cold
    factories.UsageFactory(software=scene.ris, municipality=scene.neighbour, status="pilot")
    page = html(client.get(url))  # the write changed the data version: counted again
    assert "Wer es nutzt: 3 Einträge" in page
    assert 'data-ags="05158008"' in page


def test_cached_counts_are_kept_apart_per_visibility(client, scene, member):
    """The members-only usage of ALLRIS counts for members only, cache or not."""
    url = reverse("software_detail", args=["allris"])
    client.force_login(member)
    assert "Wer es nutzt: 1 Eintrag" in html(client.get(url))
    client.logout()
    page = html(client.get(url))
    assert "Wer es nutzt: 0 Einträge" in page and "Haan" not in users_section(page)


def test_chosen_land_lists_its_kreise_with_counts(client, scene, long_table):
    add_users(scene.ris, 3, kreis=scene.neighbour.parent)
    page = users_section(html(client.get(reverse("software_detail", args=["session"]),
                                         {"land": "05"})))
    kreise = page.split('aria-label="Nach Kreis"', 1)[1].split("</nav>", 1)[0]
    assert "Mettmann (4)" in kreise  # Erkrath and three new ones
    assert "kreisfreie Städte und Kreise (1)" in kreise  # Mülheim
    assert "?land=05&amp;kreis=05158000#nutzer" in kreise
    assert "?land=05&amp;kreis=#nutzer" in kreise


def test_long_table_of_a_land_comes_in_pages(client, scene, long_table):
    add_users(scene.ris, 3, kreis=scene.neighbour.parent)
    url = reverse("software_detail", args=["session"])
    seen = []
    for number in (1, 2, 3):
        page = users_section(html(client.get(url, {"land": "05", "seite": number})))
        assert f"Seite {number} von 3" in page
        rows = [name for name in ("Erkrath", "Mülheim an der Ruhr", "Ort 000", "Ort 001",
                                  "Ort 002") if f">{name}</a></th>" in page]
        assert len(rows) == (1 if number == 3 else 2)
        seen += rows
    assert sorted(seen) == sorted(["Erkrath", "Mülheim an der Ruhr", "Ort 000", "Ort 001",
                                   "Ort 002"])
    assert seen[-1] == "Mülheim an der Ruhr"  # municipalities without a Kreis come last
    first = users_section(html(client.get(url, {"land": "05"})))
    assert "Kommunen 1–2 von 5" in first
    assert 'href="?land=05&amp;seite=2#nutzer" rel="next"' in first


def test_kreis_filter_shows_only_its_municipalities(client, scene, long_table):
    add_users(scene.ris, 3, kreis=scene.neighbour.parent)
    url = reverse("software_detail", args=["session"])
    page = users_section(html(client.get(url, {"land": "05", "kreis": "05158000", "seite": 2})))
    assert "Mülheim an der Ruhr</a></th>" not in page
    assert 'aria-current="true">Mettmann (4)' in page
    without = users_section(html(client.get(url, {"land": "05", "kreis": ""})))
    assert "Mülheim an der Ruhr</a></th>" in without and "Erkrath</a></th>" not in without
    assert 'aria-current="true">kreisfreie Städte und Kreise (1)' in without


def test_short_table_stays_on_one_page_without_index(client, scene):
    page = users_section(html(client.get(reverse("software_detail", args=["session"]))))
    assert "Erkrath</a></th>" in page and "Mülheim an der Ruhr</a></th>" in page
    assert 'aria-label="Nach Kreis"' not in page and 'rel="next"' not in page


def test_map_of_thousands_of_users_is_paths_with_the_same_dots(client, scene, monkeypatch):
    """Above MAP_DOT_LIMIT the dots are projected in a loop and rounded for the path; each
    municipality keeps its place (same projection as the single dots)."""
    from web import germany
    from web.views import pages

    users = add_users(scene.ris, 30, kreis=scene.neighbour.parent)
    expected = {tuple(round(c) for c in germany.project(u.municipality.latitude,
                                                        u.municipality.longitude))
                for u in users}
    monkeypatch.setattr(pages, "MAP_DOT_LIMIT", 5)
    page = html(client.get(reverse("software_detail", args=["session"])))
    path = page.split('class="dots-path dot-production" d="', 1)[1].split('"', 1)[0]
    drawn = {tuple(int(n) for n in part.split("h0")[0].split()) for part in path.split("M")[1:]}
    assert expected <= drawn
    assert "32 Punkte" in page


def test_kreis_index_and_pages_switch_to_english(client, scene, long_table):
    add_users(scene.ris, 3, kreis=scene.neighbour.parent)
    client.cookies["django_language"] = "en"
    page = users_section(html(client.get(reverse("software_detail", args=["session"]),
                                         {"land": "05"})))
    assert 'aria-label="By district"' in page
    assert "Municipalities 1–2 of 5" in page and "Page 1 of 3" in page


def test_revoked_editor_no_longer_sees_members_only_usage_from_cache(client, scene, world):
    """A vendor's account is no member, but sees the members-only usages of a municipality it
    edits. Once that right is revoked (a permission change, not a hub write, so the data
    version stays) the cached counts must not show Haan's members-only ALLRIS usage."""
    from django.contrib.auth.models import Group

    from hub import permissions

    vendor = factories.UserFactory(username="vendor_editor")
    vendor.groups.add(Group.objects.get(name=permissions.VENDORS))
    permissions.grant_municipality_editor(vendor, scene.neighbour)
    client.force_login(vendor)
    url = reverse("software_detail", args=["allris"])
    assert "Wer es nutzt: 1 Eintrag" in html(client.get(url))
    permissions.revoke_municipality_editor(vendor, scene.neighbour)
    page = html(client.get(url))
    assert "Wer es nutzt: 0 Einträge" in page and 'data-ags="05158008"' not in page
