"""Discovery lists are cursor connections: pages follow the graph's ranking, cursors walk the
whole list, `totalCount` counts it, and the page-size and cost limits apply to them."""

from __future__ import annotations

import pytest

from graph import selectors
from hub.models import Municipality, Software
from tests.api.conftest import codes_of, data_of
from tests.api.test_discovery import _nodes, _popular_software, generated  # noqa: F401

SIMILAR = """query($ags: String!, $first: Int, $after: String) { municipality(ags: $ags) {
    similar(first: $first, after: $after) { totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { municipality { ags } score } } } } }"""

USED_BY = """query($slug: String!, $first: Int, $after: String) { software(slug: $slug) {
    usedBy(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { municipality { ags } } } } } }"""


def _well_connected(anonymous) -> tuple[Municipality, list]:
    """The municipality with the longest similar list (at least 5 entries)."""
    best = max(((m, selectors.municipality_similar(user=anonymous, municipality=m, first=200))
                for m in Municipality.objects.filter(usages__isnull=False).distinct()
                .order_by("ags")[:20]), key=lambda pair: len(pair[1]))
    assert len(best[1]) >= 5
    return best


def test_similar_pages_follow_the_ranking_with_cursors(generated, api, anonymous):  # noqa: F811
    place, ranking = _well_connected(anonymous)
    first = data_of(api(SIMILAR, {"ags": place.ags, "first": 2}))["municipality"]["similar"]
    second = data_of(api(SIMILAR, {"ags": place.ags, "first": 2,
                                   "after": first["pageInfo"]["endCursor"]}))["municipality"]["similar"]
    assert [n["municipality"]["ags"] for n in _nodes(first) + _nodes(second)] == \
        [h.municipality.ags for h in ranking[:4]]
    assert [n["score"] for n in _nodes(second)] == \
        [pytest.approx(h.score) for h in ranking[2:4]]
    assert first["totalCount"] == second["totalCount"] == len(ranking)
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasNextPage"] is (len(ranking) > 4)
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert second["pageInfo"]["endCursor"] == second["edges"][-1]["cursor"]


def test_walking_every_page_of_used_by_gives_the_whole_list(generated, api, anonymous):  # noqa: F811
    product = _popular_software()
    expected = [u.municipality.ags for u in
                selectors.software_used_by(user=anonymous, software=product, first=200)]
    assert len(expected) > 3
    seen, after, pages = [], None, 0
    while True:
        page = data_of(api(USED_BY, {"slug": product.slug, "first": 3,
                                     "after": after}))["software"]["usedBy"]
        seen += [n["municipality"]["ags"] for n in _nodes(page)]
        assert page["totalCount"] == len(expected)
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    assert pages == -(-len(expected) // 3)


def test_page_after_the_last_entry_is_empty(generated, api, anonymous):  # noqa: F811
    place, ranking = _well_connected(anonymous)
    whole = data_of(api(SIMILAR, {"ags": place.ags, "first": 100}))["municipality"]["similar"]
    assert len(whole["edges"]) == min(len(ranking), 100)
    if len(ranking) <= 100:
        assert whole["pageInfo"]["hasNextPage"] is False
        beyond = data_of(api(SIMILAR, {"ags": place.ags, "first": 5, "after":
                                       whole["pageInfo"]["endCursor"]}))["municipality"]["similar"]
        assert beyond["edges"] == [] and beyond["pageInfo"]["endCursor"] is None


def test_first_zero_gives_no_edges_but_the_count(generated, api, anonymous):  # noqa: F811
    place, ranking = _well_connected(anonymous)
    page = data_of(api(SIMILAR, {"ags": place.ags, "first": 0}))["municipality"]["similar"]
    assert page["edges"] == [] and page["totalCount"] == len(ranking)
    assert page["pageInfo"]["hasNextPage"] is True


def test_whole_lists_count_every_entry(generated, api_as, member):  # noqa: F811
    product = _popular_software()
    result = data_of(api_as(member)("""query($slug: String!) { software(slug: $slug) {
        replacedBy { totalCount } replaces { totalCount } plannedBy { totalCount }
        usedWith { totalCount } } }""", {"slug": product.slug}))["software"]
    assert result == {
        "replacedBy": {"totalCount": len(selectors.software_replaced_by(user=member,
                                                                        software=product))},
        "replaces": {"totalCount": len(selectors.software_replaces(user=member,
                                                                   software=product))},
        "plannedBy": {"totalCount": len(selectors.software_planned_by(user=member,
                                                                      software=product))},
        "usedWith": {"totalCount": len(selectors.software_used_with(user=member,
                                                                    software=product,
                                                                    first=200))}}


def test_connections_page_through_the_shortest_paths(generated, api, anonymous):  # noqa: F811
    places = list(Municipality.objects.order_by("ags"))
    pairs = [(a, b) for a in places[:8] for b in places[-8:] if a != b]
    source, target, paths = next(
        (a, b, p) for a, b in pairs
        if len(p := selectors.municipality_connections(user=anonymous, source=a, target=b,
                                                       first=200)) >= 2)
    query = """query($a: String!, $b: String!, $after: String) {
        connections(fromAgs: $a, toAgs: $b, first: 1, after: $after) { totalCount
          pageInfo { endCursor } edges { node { relationships } } } }"""
    first = data_of(api(query, {"a": source.ags, "b": target.ags}))["connections"]
    second = data_of(api(query, {"a": source.ags, "b": target.ags,
                                 "after": first["pageInfo"]["endCursor"]}))["connections"]
    assert [n["relationships"] for n in _nodes(first) + _nodes(second)] == \
        [p.relationships for p in paths[:2]]
    assert first["totalCount"] == len(paths)


def test_one_graph_read_serves_edges_page_info_and_count(generated, api, anonymous,  # noqa: F811
                                                        monkeypatch):
    place, _ranking = _well_connected(anonymous)
    calls: list[int] = []
    real = selectors.municipality_similar

    def counted(**kwargs):
        calls.append(kwargs["first"])
        return real(**kwargs)

    monkeypatch.setattr(selectors, "municipality_similar", counted)
    data_of(api("""query($ags: String!) { municipality(ags: $ags) { similar(first: 3) {
        edges { node { score } } } } }""", {"ags": place.ags}))
    data_of(api("""query($ags: String!) { municipality(ags: $ags) { similar(first: 3) {
        ...Page } } } fragment Page on SimilarMunicipalityConnection {
        pageInfo { hasNextPage } edges { node { score } } }""", {"ags": place.ags}))
    data_of(api(SIMILAR, {"ags": place.ags, "first": 3}))
    assert calls == [3, 4, 200]  # the page; one more for hasNextPage; all for totalCount


@pytest.mark.parametrize("field", [
    'municipality(ags: "05158004") { similar(first: 101) { totalCount } }',
    'municipality(ags: "05158004") { recommendations(first: 500) { totalCount } }',
    'software(slug: "x") { usedBy(first: 200) { totalCount } }',
    'service(leikaKey: "x") { offeredBy(first: 101) { totalCount } }',
    'connections(fromAgs: "05158004", toAgs: "05117000", first: 101) { totalCount }',
])
def test_page_size_over_100_is_refused_before_anything_runs(db, api, field):
    assert codes_of(api("{ " + field + " }")) == ["PAGE_SIZE_LIMIT_EXCEEDED"]


def test_page_size_limit_applies_to_variables_too(db, api, world):
    result = api("""query($n: Int) { municipality(ags: "05158004") {
        similar(first: $n) { totalCount } } }""", {"n": 150})
    assert codes_of(result) == ["PAGE_SIZE_LIMIT_EXCEEDED"]


def test_negative_first_and_foreign_cursors_are_invalid_pagination(generated, api,  # noqa: F811
                                                                  anonymous):
    place, _ranking = _well_connected(anonymous)
    negative = api(SIMILAR, {"ags": place.ags, "first": -1})
    assert codes_of(negative) == ["INVALID_PAGINATION"]
    assert negative["data"] == {"municipality": {"similar": None}}
    for cursor in ("not-a-cursor", "YXJyYXljb25uZWN0aW9uOi0z"):  # garbage; offset -3
        assert codes_of(api(SIMILAR, {"ags": place.ags, "after": cursor})) == \
            ["INVALID_PAGINATION"]


def test_nested_discovery_connections_count_towards_the_cost_limit(db, api, world):
    result = api("""{ municipalities(first: 100) { edges { node {
        similar(first: 100) { edges { node { municipality {
          usages(first: 10) { edges { node { id } } } } } } } } } } }""")
    assert codes_of(result) == ["COST_LIMIT_EXCEEDED"]
    assert result["errors"][0]["extensions"]["actual"] == 100 + 100 * 100 + 100 * 100 * 10


def test_discovery_totals_alone_cost_one_row_per_parent(generated, api, anonymous,  # noqa: F811
                                                        settings):
    settings.API_MAX_COST = 100 + 3 * 100  # the page of products, one count each per product
    totals = """{ softwareList(first: 100) { edges { node { slug
        usedBy { totalCount } usedWith { totalCount } replacedBy { totalCount } } } } }"""
    result = data_of(api(totals))["softwareList"]["edges"]
    product = Software.objects.get(slug=result[0]["node"]["slug"])
    assert result[0]["node"]["usedBy"]["totalCount"] == len(
        selectors.software_used_by(user=anonymous, software=product, first=200))
    rows = api(totals.replace("usedBy { totalCount }", "usedBy { edges { cursor } }"))
    assert codes_of(rows) == ["COST_LIMIT_EXCEEDED"]
