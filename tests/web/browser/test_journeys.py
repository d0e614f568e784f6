"""End-to-end journeys in Chromium: search → municipality → software, an editor changes a
usage and sees it, an anonymous visitor sees no contact data."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_search_to_municipality_to_software(page, scene, screenshot):
    page.goto("/")
    search = page.get_by_label("Suche nach Kommunen, Software, Leistungen und Organisationen")
    search.press_sequentially("Erkr", delay=30)
    result = page.locator("#site-search-results").get_by_role("link", name="Erkrath")
    expect(result).to_be_visible()
    expect(page.locator("#site-search-status")).to_contain_text("1 Treffer")
    screenshot(page, "suche")
    search.press("ArrowDown")  # keyboard: into the results
    expect(result).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/kommunen/05158004/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Erkrath")
    expect(page.get_by_role("table", name="Ratsinformationssystem")).to_contain_text("Session")
    screenshot(page, "kommune")
    page.get_by_role("table", name="Ratsinformationssystem").get_by_role("link", name="Session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Session")
    expect(page.locator("svg circle.dot")).to_have_count(2)
    expect(page.get_by_role("img", name=re.compile("Karte Deutschlands"))).to_be_visible()
    expect(page.locator("#nutzer")).to_contain_text("Mülheim an der Ruhr")
    screenshot(page)


def test_same_solution_entry_point_finds_the_product(page, scene, screenshot):
    page.goto("/")
    page.get_by_label("Ihre Software").fill("Sess")
    link = page.locator("#same-results").get_by_role("link", name="Session")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", name=re.compile("Wer es nutzt: 2"))).to_be_visible()
    screenshot(page)


def test_search_works_without_javascript(browser, live_server, scene, screenshot):
    context = browser.new_context(base_url=live_server.url, locale="de-DE",
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Suche nach Kommunen, Software, Leistungen und Organisationen").fill("Wohngeld")
    page.get_by_role("button", name="Suchen", exact=True).click()
    expect(page.get_by_role("link", name="Wohngeld Mietzuschuss")).to_be_visible()
    screenshot(page)
    context.close()


def test_editor_changes_a_usage_and_sees_it(page, scene, own_editor, login, screenshot):
    login(page, own_editor)
    page.get_by_role("link", name="Meine Kommune").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erkrath")
    page.get_by_role("link", name="Software bearbeiten").first.click()
    page.get_by_label("Zufriedenheit – Session").select_option("5")
    page.get_by_label("Anmerkungen – Session").fill("Seit dem Update sehr stabil")
    page.get_by_label("Software – neue Zeile 1").select_option(label="ALLRIS")
    page.get_by_label("Status – neue Zeile 1").select_option(label="Pilot")
    screenshot(page, "formular")
    page.get_by_role("button", name="Alle Änderungen speichern").click()
    expect(page.locator(".messages")).to_contain_text("gespeichert")
    page.get_by_role("link", name="Öffentliche Seite").click()
    row = page.get_by_role("row", name=re.compile("Session"))
    expect(row.get_by_label("Zufriedenheit 5 von 5")).to_be_visible()
    expect(row).to_contain_text("Seit dem Update sehr stabil")
    expect(page.get_by_role("table", name="Ratsinformationssystem")).to_contain_text("ALLRIS")
    screenshot(page)


def test_anonymous_visitor_sees_no_contact_data(page, scene, member, login, screenshot):
    page.goto("/kommunen/05158004/")
    contacts = page.locator("#kontakt")
    expect(contacts).to_contain_text("Ansprechpersonen sehen nur angemeldete Mitglieder")
    html = page.content()
    assert "erika.mustermann@erkrath.example" not in html
    assert "Erika Mustermann" not in html and "+49 211 123456" not in html
    screenshot(page)
    login(page, member)
    page.goto("/kommunen/05158004/")
    expect(contacts.get_by_role("link", name="erika.mustermann@erkrath.example")).to_be_visible()
    screenshot(page, "mitglied")


def test_language_switch_to_english_and_back(page, scene, screenshot):
    page.goto("/kommunen/05158004/")
    page.get_by_label("Sprache").select_option("en")
    page.get_by_role("button", name="Wechseln").click()
    expect(page.get_by_role("heading", name="Software in use")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page)


def test_pages_raise_no_script_errors_or_csp_violations(page, scene, member, login, screenshot):
    """The Content-Security-Policy forbids inline scripts and styles: nothing may rely on
    them, and the live search must run without errors."""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI))")
    login(page, member)
    for path in ("/", "/kommunen/05158004/", "/software/session/", "/leistungen/",
                 "/kommunen/vergleich/?a=05158004&b=05117000", "/software/session/nutzer-fragen/",
                 "/meine-kommune/"):
        page.goto(path)
    page.goto("/")
    page.get_by_label("Suche nach Kommunen, Software, Leistungen und Organisationen").fill("Erk")
    expect(page.locator("#site-search-results").get_by_role("link", name="Erkrath")).to_be_visible()
    screenshot(page)
    assert problems == []
