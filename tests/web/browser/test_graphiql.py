"""GraphiQL in Chromium under the production Content-Security-Policy: a signed-in member
opens /graphql, runs a query and sees the answer, opens the docs and the explorer plugin;
nothing is fetched from another origin and the browser reports no CSP violation or script
error."""

import re
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

QUERY = '{ municipality(ags: "05158004") { name software: usages(first: 5) { totalCount } } }'


def test_graphiql_runs_a_query_without_csp_violations(page, live_server, scene, member, login,
                                                      screenshot):
    problems, origins = [], set()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: origins.add(urlsplit(r.url).netloc)
            if r.url.startswith("http") else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI))")
    login(page, member)
    response = page.goto(f"/graphql#query={quote(QUERY)}")
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    expect(page.locator(".graphiql-container")).to_be_visible()
    page.get_by_role("button", name=re.compile("Execute query")).click()
    result = page.locator(".graphiql-response")
    expect(result).to_contain_text('"name": "Erkrath"')
    expect(result).to_contain_text('"totalCount": 2')
    screenshot(page)
    page.get_by_role("button", name="Show Documentation Explorer").click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("Query")
    page.get_by_role("button", name="Show GraphiQL Explorer").click()
    expect(page.locator(".graphiql-explorer-root")).to_contain_text("municipality")
    screenshot(page, "explorer")
    assert problems == []
    assert origins == {urlsplit(live_server.url).netloc}
