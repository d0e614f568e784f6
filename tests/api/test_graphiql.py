"""GraphiQL without a CDN: every script and style of the page is one of our static files,
found by Django's staticfiles finders in the npm packages package.json pins, byte for byte
the files graphene-django's page was written for; the page runs under the site's CSP."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from graphene_django.views import GraphQLView

from api import graphiql

ROOT = Path(settings.BASE_DIR)

# Each served file and the integrity hash graphene-django's CDN page gives for it.
VETTED = {
    "graphiql/graphiql/graphiql.min.js": "graphiql_sri",
    "graphiql/graphiql/graphiql.min.css": "graphiql_css_sri",
    "graphiql/react/umd/react.production.min.js": "react_sri",
    "graphiql/react-dom/umd/react-dom.production.min.js": "react_dom_sri",
    "graphiql/graphql-ws/umd/graphql-ws.min.js": "subscriptions_transport_ws_sri",
    "graphiql/plugin-explorer/dist/graphiql-plugin-explorer.umd.js":
        "graphiql_plugin_explorer_sri",
    "graphiql/plugin-explorer/dist/style.css": "graphiql_plugin_explorer_css_sri",
    "graphiql/whatwg-fetch/dist/fetch.umd.js": "whatwg_fetch_sri",
}


class _Assets(HTMLParser):
    """Collects script src, stylesheet href and the nonce of every inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_nonces: list[str | None] = []
        self._in_inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        elif tag == "script":
            self.inline_nonces.append(attributes.get("nonce"))
        elif tag == "link":
            self.urls.append(attributes["href"])
        elif tag == "style":
            self.inline_nonces.append(attributes.get("nonce"))


def _page(client, user):
    user.save(update_fields=["password"])
    client.force_login(user)
    response = client.get("/graphql", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    parser = _Assets()
    parser.feed(response.content.decode())
    return response, parser


def _csp(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in
                  response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}


def test_graphiql_page_loads_every_script_and_style_from_our_static_files(client, member):
    response, parser = _page(client, member)
    assert len(parser.urls) == 11  # icon, 3 stylesheets, 7 scripts
    for url in parser.urls:
        assert not url.startswith(("http://", "https://", "//")), url
        assert url.startswith(f"/{settings.STATIC_URL.strip('/')}/"), url
        found = finders.find(url.split("/", 2)[2])
        assert found and Path(found).is_file(), url
    assert "cdn.jsdelivr.net" not in response.content.decode()


def test_graphiql_page_runs_under_the_site_csp_with_a_nonce_for_its_inline_script(
        client, member):
    response, parser = _page(client, member)
    policy = _csp(response)
    assert policy["script-src"] == ["'self'", f"'nonce-{parser.inline_nonces[0]}'"]
    assert parser.inline_nonces and all(parser.inline_nonces)
    assert set(parser.inline_nonces) == {policy["script-src"][1][len("'nonce-"):-1]}
    assert policy["font-src"] == ["'self'", "data:"]  # GraphiQL's fonts are data: URLs
    assert policy["connect-src"] == ["'self'"] and policy["style-src"][0] == "'self'"
    assert not any("http" in value for values in policy.values() for value in values)


def test_other_pages_keep_the_strict_font_policy(client, member):
    member.save(update_fields=["password"])
    client.force_login(member)
    assert _csp(client.get("/"))["font-src"] == ["'self'"]


@pytest.mark.parametrize("path", sorted(VETTED))
def test_served_graphiql_files_are_the_ones_graphene_django_vetted(path):
    content = Path(finders.find(path)).read_bytes()
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
    assert f"sha256-{digest}" == getattr(GraphQLView, VETTED[path])


def test_package_json_pins_the_versions_graphene_django_expects():
    declared = json.loads((ROOT / "package.json").read_text())["dependencies"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    for package in graphiql.PACKAGES:
        assert declared[package.name] == package.expected_version
        assert locked[f"node_modules/{package.name}"]["version"] == package.expected_version
    assert graphiql.check_packages() == []


def test_check_reports_missing_and_wrongly_versioned_packages(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    missing = graphiql.check_packages()
    assert [m.id for m in missing] == ["api.E001"] * len(graphiql.PACKAGES)
    assert "npm ci" in missing[0].hint
    for package in graphiql.PACKAGES:
        (tmp_path / "node_modules" / package.name).mkdir(parents=True)
        (tmp_path / "node_modules" / package.name / "package.json").write_text(
            json.dumps({"name": package.name, "version": "0.0.1"}))
    wrong = graphiql.check_packages()
    assert [m.id for m in wrong] == ["api.E002"] * len(graphiql.PACKAGES)
    assert "graphene-django" in wrong[0].msg


def test_finder_serves_only_the_listed_files():
    assert finders.find("graphiql/react/umd/react.production.min.js")
    assert finders.find("graphiql/react/umd/react.development.js") is None
    assert finders.find("graphiql/react/package.json") is None
    assert finders.find("graphiql/graphiql/../react/umd/react.production.min.js") is None
    listed = {path for finder in finders.get_finders() if isinstance(finder, graphiql.GraphiQLFinder)
              for path, _storage in finder.list(None)}  # whitenoise lists with None
    assert listed == {name for package in graphiql.PACKAGES for name in package.files}


def test_collectstatic_with_hashed_names_serves_the_graphiql_page(client, member, settings,
                                                                    tmp_path):
    """`make serve` collects with hashed names (whitenoise's manifest storage rewrites
    sourceMappingURL comments, so the source maps must be there too)."""
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.AppDirectoriesFinder",
                                    "api.graphiql.GraphiQLFinder"]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    _response, parser = _page(client, member)
    for url in parser.urls:
        relative = url.split("/", 2)[2]
        assert (tmp_path / relative).is_file(), url
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", relative), url  # hashed name
    script = next(tmp_path.glob("graphiql/graphiql/graphiql.min.*.js")).read_text()
    map_name = script.rsplit("sourceMappingURL=", 1)[1].strip()
    assert (tmp_path / "graphiql" / "graphiql" / map_name).is_file()


@pytest.mark.parametrize("autorefresh", [False, True])
def test_whitenoise_serves_the_files_from_the_finders_as_in_make_run(settings, autorefresh):
    """`make run` (DEBUG) serves static files through whitenoise straight from the finders:
    listed once at start, or looked up per request with autorefresh."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = autorefresh
    response = Client().get("/static/graphiql/react/umd/react.production.min.js")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (
        ROOT / "node_modules/react/umd/react.production.min.js").read_bytes()
    assert Client().get("/static/graphiql/react/package.json").status_code == 404
