"""GraphiQL without a CDN: the scripts and styles of graphene-django's GraphiQL page are
served by the hub itself, from the npm packages `npm ci` installs at build time.

graphene-django's own template loads them from cdn.jsdelivr.net at run time, which our
Content-Security-Policy (own origin only) blocks and which would make every GraphiQL visit
depend on a third party. package.json pins exactly the versions graphene-django names on
`GraphQLView` (`react_version`, `graphiql_version`, ...); the system check below fails when
they drift apart (after an upgrade of either) or when node_modules is missing.

`GraphiQLFinder` is a staticfiles finder exposing only the listed files (not whole
packages with their sources) under `static/graphiql/<package>/<file>`, the same layout as
the CDN's URLs. Django's `runserver`, the test live server and `collectstatic` (whitenoise
in production) all find them through it; source maps are included because the manifest
storage of `make serve` rewrites `sourceMappingURL` comments and needs the map files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import utils
from django.contrib.staticfiles.finders import BaseFinder, searched_locations
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage
from graphene_django.views import GraphQLView

STATIC_PREFIX = "graphiql"


@dataclass(frozen=True)
class Package:
    """An npm package GraphiQL needs, the files of it we serve, and the attribute of
    graphene-django's `GraphQLView` that names the version its page was written for."""

    name: str
    directory: str  # below static/graphiql/ (npm scopes contain "@", awkward in URLs)
    version_attribute: str
    files: tuple[str, ...]

    @property
    def expected_version(self) -> str:
        return getattr(GraphQLView, self.version_attribute)


PACKAGES = (
    Package("whatwg-fetch", "whatwg-fetch", "whatwg_fetch_version", ("dist/fetch.umd.js",)),
    Package("react", "react", "react_version", ("umd/react.production.min.js",)),
    Package("react-dom", "react-dom", "react_version", ("umd/react-dom.production.min.js",)),
    Package("graphiql", "graphiql", "graphiql_version",
            ("graphiql.min.js", "graphiql.min.js.map", "graphiql.min.css",
             "graphiql.min.css.map")),
    Package("graphql-ws", "graphql-ws", "subscriptions_transport_ws_version",
            ("umd/graphql-ws.min.js",)),
    Package("@graphiql/plugin-explorer", "plugin-explorer", "graphiql_plugin_explorer_version",
            ("dist/graphiql-plugin-explorer.umd.js", "dist/style.css")),
)


def node_modules() -> Path:
    return Path(settings.BASE_DIR) / "node_modules"


def check_packages() -> list[CheckMessage]:
    """Every package installed, in the version graphene-django's GraphiQL page expects."""
    problems: list[CheckMessage] = []
    for package in PACKAGES:
        manifest = node_modules() / package.name / "package.json"
        if not manifest.exists():
            problems.append(Error(
                f"GraphiQL-Paket {package.name} fehlt / npm package {package.name} for "
                f"GraphiQL is missing in {node_modules()}",
                hint="npm ci (make run and make serve run it)", id="api.E001"))
            continue
        installed = json.loads(manifest.read_text())["version"]
        if installed != package.expected_version:
            problems.append(Error(
                f"{package.name} {installed} installiert, graphene-django erwartet "
                f"{package.expected_version} / installed {installed}, graphene-django's "
                f"GraphiQL expects {package.expected_version}",
                hint=f"pin {package.name}@{package.expected_version} in package.json, "
                     "then npm install", id="api.E002"))
    return problems


class GraphiQLFinder(BaseFinder):
    """Finds the files in PACKAGES as static/graphiql/<directory>/<file>."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storages: dict[str, FileSystemStorage] = {}
        for package in PACKAGES:
            storage = FileSystemStorage(location=node_modules() / package.name)
            storage.prefix = f"{STATIC_PREFIX}/{package.directory}"
            self.storages[package.name] = storage

    def check(self, **kwargs) -> list[CheckMessage]:
        return check_packages()

    def _source(self, path: str) -> str | None:
        for package in PACKAGES:
            prefix = f"{STATIC_PREFIX}/{package.directory}/"
            if path.startswith(prefix) and path[len(prefix):] in package.files:
                source = self.storages[package.name].path(path[len(prefix):])
                return source if Path(source).is_file() else None
        return None

    def find(self, path: str, find_all: bool = False, **kwargs):
        find_all = self._check_deprecated_find_param(find_all=find_all, **kwargs)
        location = str(node_modules())
        if location not in searched_locations:
            searched_locations.append(location)
        source = self._source(path)
        if source is None:
            return []  # like Django's own finders: an empty list, also for a single find
        return [source] if find_all else source

    def list(self, ignore_patterns) -> Iterator[tuple[str, FileSystemStorage]]:
        ignore_patterns = ignore_patterns or []  # whitenoise passes None
        for package in PACKAGES:
            storage = self.storages[package.name]
            for name in package.files:
                if storage.exists(name) and not utils.matches_patterns(name, ignore_patterns):
                    yield name, storage
