"""The article editor in Chromium: live Markdown preview from an external script (no CSP
violation) and two tabs editing the same article, where the second save is refused with
the EDIT_CONFLICT message instead of overwriting the first."""

import pytest
from playwright.sync_api import expect

from knowledge import services
from knowledge.models import Article

pytestmark = pytest.mark.browser


def test_second_tab_save_is_refused_with_conflict_message(page, scene, moderator, login,
                                                           screenshot):
    article = services.article_create(actor=moderator, title="RIS-Umstieg", status="published",
                                      body="## Start\n\nAlter Text.")
    errors: list[str] = []
    login(page, moderator)
    second = page.context.new_page()
    for tab in (page, second):
        # script errors and CSP violations; the refused save's 409 is expected
        tab.on("console", lambda m: errors.append(m.text)
               if m.type == "error" and "409" not in m.text else None)
        tab.goto(f"/wissen/{article.slug}/bearbeiten/")
    page.get_by_label("Text (Markdown)").fill("## Start\n\n**Erste** Fassung.")
    expect(page.locator("#a-preview strong")).to_have_text("Erste")  # live preview
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("RIS-Umstieg")
    expect(page.locator(".article-body")).to_contain_text("Erste Fassung.")

    second.get_by_label("Text (Markdown)").fill("Zweite Fassung.")
    second.get_by_role("button", name="Speichern").click()
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("wurde inzwischen von")
    expect(alert).to_contain_text("aktuelle Revision 2")
    expect(second.get_by_label("Text (Markdown)")).to_have_value("Zweite Fassung.")
    screenshot(second)
    article.refresh_from_db()
    assert article.body == "## Start\n\n**Erste** Fassung." and article.revision == 2
    assert Article.objects.get(pk=article.pk).revisions.count() == 2
    assert not errors, errors
