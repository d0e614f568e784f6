"""Accessibility of the main pages: axe-core (WCAG 2.1 A/AA rules) finds no serious or
critical violation, the keyboard reaches everything with a visible focus, and the pages fit
a phone's width."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    ("start", "/"),
    ("suche", "/suche/?q=Erk"),
    ("kommune", "/kommunen/05158004/"),
    ("kreis", "/kommunen/05158000/"),
    ("kommunen", "/kommunen/"),
    ("software", "/software/session/"),
    ("softwareliste", "/software/"),
    ("leistung", "/leistungen/{ozg}/"),
    ("leistungen", "/leistungen/"),
    ("vergleich", "/kommunen/vergleich/?a=05158004&b=05117000"),
    ("organisation", "/organisationen/krzn/"),
    ("kooperation", "/kooperationen/gemeinsames-ris/"),
    ("anmelden", "/konto/anmelden/"),
    ("passwort-vergessen", "/konto/passwort-vergessen/"),
    ("nicht-gefunden", "/gibt-es-nicht/"),
]
EDITOR_PAGES = [
    ("meine-kommune", "/meine-kommune/05158004/"),
    ("nutzungen-bearbeiten", "/meine-kommune/05158004/nutzungen/"),
    ("team", "/meine-kommune/05158004/team/"),
]


@pytest.mark.parametrize("name,path", PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES])
def test_public_page_has_no_serious_axe_violations(page, scene, axe, screenshot, name, path):
    page.goto(path.format(ozg=scene.ozg.pk))
    violations = axe(page)
    screenshot(page)
    assert violations == []


@pytest.mark.parametrize("name,path", EDITOR_PAGES, ids=[p[0] for p in EDITOR_PAGES])
def test_editor_page_has_no_serious_axe_violations(page, scene, own_editor, login, axe,
                                                   screenshot, name, path):
    login(page, own_editor)
    page.goto(path)
    violations = axe(page)
    screenshot(page)
    assert violations == []


def test_ask_form_has_no_serious_axe_violations(page, scene, member, login, axe, screenshot):
    login(page, member)
    page.goto("/software/session/nutzer-fragen/")
    page.get_by_role("button", name="Nachricht senden").click()  # empty: shows the errors
    expect(page.locator(".error-summary")).to_be_focused()
    violations = axe(page)
    screenshot(page)
    assert violations == []


def test_english_pages_have_no_serious_axe_violations(browser, live_server, scene, axe, screenshot):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    for path in ("/", "/kommunen/05158004/", "/software/session/"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert axe(page) == []
    screenshot(page)
    context.close()


def test_keyboard_skip_link_and_visible_focus(page, scene, screenshot):
    page.goto("/kommunen/05158004/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {tag: el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
    }""")
    assert focused["tag"] == "A"
    assert focused["outline"] != "none" and focused["width"] >= 2
    screenshot(page)


def test_keyboard_only_editor_saves_the_table(page, scene, own_editor, login, screenshot):
    login(page, own_editor)
    page.goto("/meine-kommune/05158004/nutzungen/")
    page.get_by_label("Zufriedenheit – Session").focus()
    page.keyboard.press("End")  # last option: 5
    for _ in range(60):  # tab until the save button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Alle Änderungen speichern":
            break
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("gespeichert")
    screenshot(page)


@pytest.mark.parametrize("path", ["/", "/kommunen/05158004/", "/software/session/",
                                  "/kommunen/vergleich/?a=05158004&b=05117000"])
def test_pages_fit_a_phone(phone, scene, axe, screenshot, path):
    phone.goto(path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px horizontal scrolling on {path}"
    assert axe(phone) == []
    screenshot(phone)


def test_editor_table_fits_a_phone(phone, scene, own_editor, login, screenshot):
    login(phone, own_editor)
    phone.goto("/meine-kommune/05158004/nutzungen/")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    expect(phone.get_by_label("Zufriedenheit – Session")).to_be_visible()
    screenshot(phone)


# --- third UI pass: the neighbourhood picture and the article editor ---

def test_neighbourhood_picture_has_no_serious_axe_violations(page, scene, graph, axe, screenshot):
    from graph import projection

    projection.rebuild()
    page.goto("/kommunen/05158004/")
    expect(page.locator("svg[data-neighbourhood]")).to_be_visible()
    page.locator("#nachbarschaft summary").click()  # the table alternative, opened
    violations = axe(page)
    screenshot(page)
    assert violations == []


def test_article_editor_pages_have_no_serious_axe_violations(page, scene, member, login, axe,
                                                             screenshot):
    login(page, member)
    page.goto("/wissen/neu/")
    assert axe(page) == []
    page.get_by_label("Kommunen").fill("Nirgendwo")
    page.get_by_role("button", name="Entwurf anlegen").click()  # errors next to the fields
    expect(page.locator("#a-title-error")).to_be_visible()
    assert axe(page) == []
    screenshot(page, "fehler")
    page.get_by_label("Titel").fill("Barrierefrei")
    page.get_by_label("Kommunen").fill("Erkrath")
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.get_by_role("button", name="Zur Prüfung einreichen")).to_be_visible()
    violations = axe(page)  # the article page with its workflow buttons
    screenshot(page)
    assert violations == []
