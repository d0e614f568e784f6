"""The long 'who uses it' table in Chromium: a Land, then a Kreis, then the next page, by
keyboard only, with no serious axe violation on the paged table."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def many_users(scene, monkeypatch):
    """Five users of Session in Kreis Mettmann with the table 'long' from 3 rows on and pages
    of 2 rows (the live server runs in this process, so the patch reaches it)."""
    from web.views import pages

    monkeypatch.setattr(pages, "FULL_TABLE_LIMIT", 3)
    monkeypatch.setattr(pages, "ROWS_PER_PAGE", 2)
    for i in range(4):
        factories.UsageFactory(software=scene.ris, municipality=factories.MunicipalityFactory(
            name=f"Ort {i}", parent=scene.neighbour.parent, state=scene.neighbour.state,
            latitude=51.1 + i / 100, longitude=7.0))


def follow_by_keyboard(page, link) -> None:
    link.focus()
    page.keyboard.press("Enter")


def test_long_user_table_goes_land_kreis_page_by_keyboard(page, many_users, axe, screenshot):
    page.goto("/software/session/")
    users = page.locator("#nutzer")
    expect(users).to_contain_text("Wählen Sie ein Land")
    follow_by_keyboard(page, users.get_by_role("link", name="Nordrhein-Westfalen (6)"))
    kreise = page.get_by_role("navigation", name="Nach Kreis")
    expect(kreise.get_by_role("link", name="Mettmann (5)")).to_be_visible()
    expect(users).to_contain_text("Kommunen 1–2 von 6")
    follow_by_keyboard(page, kreise.get_by_role("link", name="Mettmann (5)"))
    expect(page.get_by_role("navigation", name="Nach Kreis").get_by_role(
        "link", name="Mettmann (5)")).to_have_attribute("aria-current", "true")
    expect(users).not_to_contain_text("Mülheim an der Ruhr")
    follow_by_keyboard(page, users.get_by_role("link", name="weiter"))
    expect(users).to_contain_text("Seite 2 von 3")
    assert page.url.endswith("#nutzer") and "kreis=05158000" in page.url
    violations = axe(page)
    screenshot(page)
    assert violations == []
