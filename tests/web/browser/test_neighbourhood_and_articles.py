"""In Chromium: the neighbourhood picture on a municipality page (from the real embedded graph
engine) leads to a similar municipality, and an article written in the UI as members-only
is read by members only once published, never by an anonymous visitor."""

import re

import pytest
from playwright.sync_api import expect

from graph import projection
from knowledge.models import Article

pytestmark = pytest.mark.browser


@pytest.fixture
def projected(scene, graph):
    projection.rebuild()
    return scene


def test_click_on_a_peer_in_the_neighbourhood_opens_that_municipality(page, projected,
                                                                       screenshot):
    page.goto("/kommunen/05158004/")
    picture = page.get_by_role("group", name="Nachbarschaft von Erkrath im Netzwerk")
    expect(picture).to_be_visible()
    expect(picture.get_by_role("link", name=re.compile("^Session: Software"))).to_be_visible()
    peer = picture.get_by_role("link", name="Mülheim an der Ruhr: ähnliche Kommune, teilt 1 Produkt")
    expect(peer).to_be_visible()
    box = picture.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    page.locator("#nachbarschaft").scroll_into_view_if_needed()
    screenshot(page, "bild")
    peer.focus()  # keyboard reachable, with a visible focus ring on the dot
    assert page.evaluate("document.activeElement.getAttribute('data-key')") == "05117000"
    peer.click()
    expect(page).to_have_url(re.compile(r"/kommunen/05117000/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mülheim an der Ruhr")
    screenshot(page)


def test_neighbourhood_picture_fits_a_phone(phone, projected, axe, screenshot):
    phone.goto("/kommunen/05158004/")
    picture = phone.locator("svg[data-neighbourhood]")
    expect(picture).to_be_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1  # the picture scrolls inside its frame, not the page
    box = picture.bounding_box()
    assert box and box["width"] >= 480  # 15-unit labels stay about 11 px high
    frame = phone.locator(".neighbourhood .nb-frame")  # starts centred on the municipality
    assert frame.evaluate("f => Math.abs(f.scrollLeft - (f.scrollWidth - f.clientWidth) / 2)") <= 1
    phone.locator("#nachbarschaft").scroll_into_view_if_needed()
    assert axe(phone) == []
    screenshot(phone)


def test_members_only_article_written_in_the_ui_is_hidden_from_anonymous_visitors(
        page, browser, live_server, scene, member, moderator, own_editor, login, screenshot):
    login(page, member)
    page.goto("/wissen/")
    page.get_by_role("link", name="Neuen Artikel schreiben").click()
    page.wait_for_url("**/wissen/neu/")  # loaded, with the preview script listening
    page.get_by_label("Titel").fill("Cloud-E-Akte im Kreis")
    page.get_by_label("Text (Markdown)").fill("## Ausgangslage\n\n**Alles** in die Cloud.")
    expect(page.locator("#a-preview strong")).to_have_text("Alles")
    page.get_by_label("Sichtbarkeit").select_option(label="nur Mitglieder")
    page.get_by_label("Schlagwörter").fill("E-Akte, Cloud")
    page.get_by_label("Software").fill("Sesion")  # typo: shown next to the field
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.locator("#a-software-error")).to_have_text("„Sesion“ wurde nicht gefunden.")
    expect(page.get_by_label("Schlagwörter")).to_have_value("E-Akte, Cloud")
    page.get_by_label("Software").fill("Session")
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cloud-E-Akte im Kreis")
    expect(page.locator("main")).to_contain_text("Sichtbarkeit: nur Mitglieder")
    page.get_by_role("button", name="Zur Prüfung einreichen").click()
    expect(page.locator(".messages")).to_contain_text("in Prüfung")
    url = page.url

    def visitor(user=None):
        context = browser.new_context(base_url=live_server.url, locale="de-DE")
        tab = context.new_page()
        if user is not None:
            login(tab, user)
        return context, tab

    context, tab = visitor(moderator)
    tab.goto(url)
    tab.get_by_role("button", name="Veröffentlichen").click()
    expect(tab.locator(".messages")).to_contain_text("veröffentlicht")
    context.close()

    context, tab = visitor()
    assert tab.goto(url).status == 404
    tab.goto("/wissen/?q=Cloud")
    expect(tab.locator("main")).not_to_contain_text("Cloud-E-Akte im Kreis")
    screenshot(tab, "anonym")
    context.close()

    context, tab = visitor(own_editor)  # another member
    tab.goto("/wissen/")
    tab.get_by_role("link", name="Cloud-E-Akte im Kreis").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Cloud-E-Akte im Kreis")
    expect(tab.locator("main")).to_contain_text("Schlagwörter: Cloud, E-Akte")
    expect(tab.locator("#verknuepft")).to_contain_text("Session")
    screenshot(tab)
    context.close()
    article = Article.objects.get(title="Cloud-E-Akte im Kreis")
    assert (article.status, article.visibility) == ("published", "members")
