"""Locust user mix for the soak (bench/soak.py): readers on pages, search and GraphQL, and
editors writing usages with read-write tokens. Every acknowledged write (a mutation answered
with an object and no errors) is recorded so the soak can check it is in PostgreSQL.

While the graph engine is down, discovery degrades instead of failing: GraphQL answers 200
with a GRAPH_UNAVAILABLE error (counted as `degraded`, not as a failure) and the pages show
their notice (counted as `page_notice`); anything else unexpected is a failure."""

from __future__ import annotations

import base64
import itertools
import json
import os
import random
from collections import Counter

from locust import HttpUser, between, events, task

FIXTURES = json.load(open(os.environ["SOAK_FIXTURES"]))
ACKED_FILE = os.environ["SOAK_ACKED"]
ACKED: dict = {"created": [], "updated": {}}
STATUS: Counter = Counter()
DEGRADED = {"GRAPH_UNAVAILABLE"}
NOTICE = "Die Empfehlungen sind gerade nicht verfügbar"
TOKENS = itertools.cycle(FIXTURES["tokens"])
WORDS = ["Rats", "Dokumenten", "Bürger", "Finanz", "Schul", "Meldewesen", "open", "Portal"]

MUNICIPALITY_QUERY = """query($ags: String!) { municipality(ags: $ags) { name population
  usages(first: 20) { totalCount edges { node { status software { name slug } } } } } }"""
SOFTWARE_QUERY = """query($q: String) { softwareList(first: 20, search: $q) { totalCount
  edges { node { name slug vendor { name } } } } }"""
CREATE = """mutation($input: UsageCreateInput!) { usageCreate(input: $input) {
  usage { id notes } errors { field code } } }"""
SIMILAR_QUERY = """query($ags: String!) { municipality(ags: $ags) { name
  similar(first: 8) { score municipality { ags name } sharedSoftware { slug } }
  recommendations(first: 8) { score software { slug name } } } }"""
USED_WITH_QUERY = """query($slug: String!) { software(slug: $slug) { name
  usedWith(first: 8) { lift together software { slug name } } } }"""
UPDATE = """mutation($input: UsageUpdateInput!) { usageUpdate(input: $input) {
  usage { id notes } errors { field code } } }"""


@events.request.add_listener
def _count_status(response=None, exception=None, name: str = "", **kwargs) -> None:
    code = getattr(response, "status_code", None) or 0
    STATUS["5xx" if code >= 500 else "exception" if code == 0 else f"{code // 100}xx"] += 1
    if code >= 500 or code == 0:
        STATUS[f"{code or 'exception'} {name}"] += 1  # which endpoint, for the report


@events.test_stop.add_listener
def _write_acked(**kwargs) -> None:
    with open(ACKED_FILE, "w") as out:
        json.dump({**ACKED, "status": STATUS}, out)


def _pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


class Reader(HttpUser):
    """Someone browsing: pages, search, GraphQL reads (discovery once the graph is there)."""

    weight = 4
    wait_time = between(0.5, 2.0)

    @task(3)
    def municipality_page(self) -> None:
        self._page(f"/kommunen/{random.choice(FIXTURES['ags'])}/", "/kommunen/[ags]/")

    @task(3)
    def software_page(self) -> None:
        self._page(f"/software/{random.choice(FIXTURES['software'])}/", "/software/[slug]/")

    def _page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code == 200 and NOTICE in response.text:
                STATUS["page_notice"] += 1

    @task(2)
    def search(self) -> None:
        self.client.get("/suche/", params={"q": random.choice(WORDS)}, name="/suche/?q=")

    @task(3)
    def graphql_municipality(self) -> None:
        self._graphql("municipality", MUNICIPALITY_QUERY, {"ags": random.choice(FIXTURES["ags"])})

    @task(2)
    def graphql_software(self) -> None:
        self._graphql("softwareList", SOFTWARE_QUERY, {"q": random.choice(WORDS)})

    @task(2)
    def graphql_similar(self) -> None:
        self._graphql("similar", SIMILAR_QUERY, {"ags": random.choice(FIXTURES["ags"])})

    @task(2)
    def graphql_used_with(self) -> None:
        self._graphql("usedWith", USED_WITH_QUERY, {"slug": random.choice(FIXTURES["software"])})

    def _graphql(self, name: str, query: str, variables: dict, headers=None) -> dict | None:
        with self.client.post("/graphql", json={"query": query, "variables": variables},
                              headers=headers, name=f"/graphql {name}",
                              catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            body = response.json()
            codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
            if codes and codes <= DEGRADED:
                STATUS["degraded"] += 1  # a clear error with a stable code, as promised
                return None
            if codes:
                response.failure(",".join(sorted(map(str, codes))))
                return None
            return body["data"]


class Editor(Reader):
    """A municipal editor with a read-write token: records and updates usages."""

    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        token = next(TOKENS)
        self.ags = token["ags"]
        self.headers = {"Authorization": f"Bearer {token['secret']}"}
        self.mine: list[str] = []
        self.serial = 0

    @task(3)
    def usage_create(self) -> None:
        data = self._graphql("usageCreate", CREATE, {"input": {
            "municipality": self.ags, "software": random.choice(FIXTURES["software"]),
            "status": "PLANNED", "notes": "soak"}}, self.headers)
        payload = data and data["usageCreate"]
        if payload and payload["usage"] and not payload["errors"]:
            self.mine.append(payload["usage"]["id"])
            ACKED["created"].append(_pk(payload["usage"]["id"]))

    @task(3)
    def usage_update(self) -> None:
        if not self.mine:
            return
        usage = random.choice(self.mine)
        self.serial += 1
        notes = f"soak update {id(self)}-{self.serial}"
        data = self._graphql("usageUpdate", UPDATE, {"input": {"id": usage, "notes": notes}},
                             self.headers)
        payload = data and data["usageUpdate"]
        if payload and payload["usage"] and not payload["errors"]:
            ACKED["updated"][str(_pk(usage))] = notes
