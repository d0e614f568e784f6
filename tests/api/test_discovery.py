"""Discovery over GraphQL answers exactly what the graph selectors answer, on a generated data
set projected into the real embedded graph engine; an unreachable engine is GRAPH_UNAVAILABLE."""

from __future__ import annotations

import random
import re

import pytest

from graph import client, projection, selectors
from hub.models import Municipality, Service, Software, Usage, UsageStatus
from tests import factories
from tests.api.conftest import codes_of, data_of
from tests.api.test_readme import README
from tests.graph import data


@pytest.fixture
def generated(graph):  # noqa: F811
    data.generate(1)
    projection.rebuild()


def _nodes(connection: dict) -> list[dict]:
    return [edge["node"] for edge in connection["edges"]]


def _used_municipality() -> Municipality:
    return Municipality.objects.filter(usages__isnull=False).order_by("ags").first()


def _popular_software() -> Software:
    return (Software.objects.filter(usages__status__in=["pilot", "production"])
            .order_by("slug").first())


def test_similar_matches_the_selector_with_scores_and_evidence(generated, api, anonymous):
    place = _used_municipality()
    result = data_of(api("""query($ags: String!) { municipality(ags: $ags) {
        similarityComputedAt
        similar(first: 5) { edges { node {
            municipality { ags } score sharedSoftware { slug } } } } } }""",
                         {"ags": place.ags}))["municipality"]
    expected = selectors.municipality_similar(user=anonymous, municipality=place, first=5)
    assert expected
    assert _nodes(result["similar"]) == [
        {"municipality": {"ags": h.municipality.ags}, "score": pytest.approx(h.score),
         "sharedSoftware": [{"slug": s.slug} for s in h.shared_software]} for h in expected]
    assert result["similarityComputedAt"] == \
        selectors.municipality_similarity_computed_at(municipality=place)


def test_similar_filters_reach_the_selector(generated, api, anonymous):
    place = _used_municipality()
    result = data_of(api("""query($ags: String!) { municipality(ags: $ags) {
        similar(first: 10, sameState: true, sameKind: true) {
            edges { node { municipality { ags } score } } } } }""",
                         {"ags": place.ags}))["municipality"]["similar"]["edges"]
    expected = selectors.municipality_similar(user=anonymous, municipality=place, first=10,
                                              same_state=True, same_kind=True)
    assert [e["node"]["municipality"]["ags"] for e in result] == \
        [h.municipality.ags for h in expected]


def test_recommendations_for_members_match_the_selector(generated, api_as, member):
    place = _used_municipality()
    result = data_of(api_as(member)("""query($ags: String!) { municipality(ags: $ags) {
        recommendations(first: 5) { edges { node { software { slug } score usedBy { ags }
                                                   averageSatisfaction } } } } }""",
                                    {"ags": place.ags}))["municipality"]["recommendations"]
    expected = selectors.municipality_recommendations(user=member, municipality=place, first=5)
    assert expected
    assert _nodes(result) == [{"software": {"slug": r.software.slug},
                               "score": pytest.approx(r.score),
                       "usedBy": [{"ags": m.ags} for m in r.used_by],
                       "averageSatisfaction": (None if r.average_satisfaction is None
                                               else pytest.approx(r.average_satisfaction))}
                      for r in expected]


def test_used_by_with_status_filter_hides_members_only_usages(generated, api, anonymous):
    product = _popular_software()
    result = data_of(api("""query($slug: String!) { software(slug: $slug) {
        usedBy(status: [PRODUCTION]) { edges { node {
            id status visibility municipality { ags } } } } } }""",
                         {"slug": product.slug}))["software"]["usedBy"]
    result = _nodes(result)
    expected = selectors.software_used_by(user=anonymous, software=product,
                                          statuses=[UsageStatus.PRODUCTION])
    assert [r["municipality"]["ags"] for r in result] == [u.municipality.ags for u in expected]
    assert all(r["status"] == "PRODUCTION" and r["visibility"] == "PUBLIC" for r in result)


def test_used_by_filters_by_state_and_kreis(generated, api, anonymous):
    usage = Usage.objects.filter(municipality__parent__isnull=False).order_by("pk").first()
    product, kreis = usage.software, usage.municipality.parent
    result = data_of(api("""query($slug: String!, $kreis: String!, $state: String!) {
        software(slug: $slug) { usedBy(kreis: $kreis, state: $state) {
            edges { node { municipality { ags } } } } } }""",
                         {"slug": product.slug, "kreis": kreis.ags,
                          "state": kreis.state.code}))["software"]["usedBy"]
    result = _nodes(result)
    expected = selectors.software_used_by(user=anonymous, software=product, kreis=kreis,
                                          state=kreis.state.code)
    assert [r["municipality"]["ags"] for r in result] == [u.municipality.ags for u in expected]


def test_used_by_with_unknown_kreis_is_not_found(generated, api):
    result = api("""{ softwareList(first: 1) { edges { node {
        usedBy(kreis: "99999999") { edges { node { id } } } } } } }""")
    assert codes_of(result) == ["NOT_FOUND"]


def test_used_with_and_migrations_match_the_selectors(generated, api_as, member):
    product = _popular_software()
    result = data_of(api_as(member)("""query($slug: String!) { software(slug: $slug) {
        usedWith(first: 5) { edges { node { software { slug } lift together users } } }
        replacedBy { edges { node { software { slug } count municipalities { ags } } } }
        replaces { edges { node { software { slug } count } } }
        plannedBy { edges { node { municipality { ags } jointProcurement nearness } } } } }""",
                                    {"slug": product.slug}))["software"]
    result = {name: _nodes(connection) for name, connection in result.items()}
    assert result["usedWith"] == [
        {"software": {"slug": w.software.slug}, "lift": pytest.approx(w.lift),
         "together": w.together, "users": w.users}
        for w in selectors.software_used_with(user=member, software=product, first=5)]
    assert result["replacedBy"] == [
        {"software": {"slug": m.software.slug}, "count": m.count,
         "municipalities": [{"ags": p.ags} for p in m.municipalities]}
        for m in selectors.software_replaced_by(user=member, software=product)]
    assert result["replaces"] == [
        {"software": {"slug": m.software.slug}, "count": m.count}
        for m in selectors.software_replaces(user=member, software=product)]
    assert result["plannedBy"] == [
        {"municipality": {"ags": p.usage.municipality.ags},
         "jointProcurement": p.joint_procurement, "nearness": p.nearness}
        for p in selectors.software_planned_by(user=member, software=product)]


def test_some_software_has_migration_paths(generated, api, anonymous):
    moved = [s for s in Software.objects.order_by("slug")
             if selectors.software_replaced_by(user=anonymous, software=s)]
    assert moved, "the generated data set has retired usages with successors"
    result = data_of(api("""query($slug: String!) { software(slug: $slug) {
        replacedBy { totalCount edges { node { software { slug } count } } } } }""",
                         {"slug": moved[0].slug}))["software"]["replacedBy"]
    assert result["totalCount"] == len(result["edges"]) >= 1
    assert result["edges"][0]["node"]["count"] >= 1


def test_offered_by_matches_the_selector(generated, api, anonymous):
    service = Service.objects.filter(usages__isnull=False, leika_key__isnull=False) \
        .exclude(leika_key="").order_by("pk").first()
    result = data_of(api("""query($key: String!) { service(leikaKey: $key) {
        offeredBy { edges { node { municipality { ags } software { slug }
                                   usages { status } } } } } }""",
                         {"key": service.leika_key}))["service"]["offeredBy"]
    result = _nodes(result)
    expected = selectors.service_offered_by(user=anonymous, service=service)
    assert [(o["municipality"]["ags"], o["software"]["slug"]) for o in result] == \
        [(o.municipality.ags, o.software.slug) for o in expected]


def test_connections_return_paths_with_nodes_and_relationship_types(generated, api, anonymous):
    places = list(Municipality.objects.order_by("ags"))
    rng = random.Random(11)
    pairs = [tuple(rng.sample(places, 2)) for _ in range(40)]
    found = None
    for source, target in pairs:
        expected = selectors.municipality_connections(user=anonymous, source=source,
                                                      target=target)
        if expected:
            found = (source, target, expected)
            break
    assert found, "some pair of municipalities is connected"
    source, target, expected = found
    result = data_of(api("""query($a: String!, $b: String!) {
        connections(fromAgs: $a, toAgs: $b, maxHops: 3) { edges { node { length relationships
          nodes { __typename ... on Municipality { ags } ... on Software { slug }
                  ... on Organization { slug } ... on Collaboration { slug } } } } } }""",
                         {"a": source.ags, "b": target.ags}))["connections"]
    result = _nodes(result)
    assert [p["relationships"] for p in result] == [c.relationships for c in expected]
    first = result[0]
    assert first["nodes"][0] == {"__typename": "Municipality", "ags": source.ags}
    assert first["nodes"][-1] == {"__typename": "Municipality", "ags": target.ags}
    assert first["length"] == len(first["nodes"]) - 1


def test_connections_refuse_too_many_hops(generated, api):
    places = list(Municipality.objects.order_by("ags")[:2])
    result = api("""query($a: String!, $b: String!) { connections(fromAgs: $a, toAgs: $b,
        maxHops: 9) { edges { node { length } } } }""", {"a": places[0].ags, "b": places[1].ags})
    assert codes_of(result) == ["OUT_OF_RANGE"]


def test_unreachable_graph_engine_is_a_graph_unavailable_error(db, api, world, tmp_path):
    down = client.FalkorBackend(client.EmbeddedEngine(tmp_path / "down"), "g", autostart=False)
    previous = client.set_backend(down)
    try:
        result = api("""{ municipality(ags: "05158004") { name
            similar { edges { node { score } } } } }""")
    finally:
        client.set_backend(previous)
        down.close()
    assert api.last.status_code == 200
    assert codes_of(result) == ["GRAPH_UNAVAILABLE"]
    assert result["errors"][0]["path"] == ["municipality", "similar"]
    # Only the discovery field is null; the rest of the query answers.
    assert result["data"] == {"municipality": {"name": "Erkrath", "similar": None}}


def _readme_discovery_examples() -> list[str]:
    section = README.read_text().split("### Discovery and search", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return re.findall(r"--data-binary '(.*?)'\n", block, flags=re.S)


def test_readme_discovery_and_search_examples_run(graph, world, api, settings, tmp_path):  # noqa: F811
    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    shared = factories.SoftwareFactory(slug="sessionnet")
    for place in (world.own, world.other):
        factories.UsageFactory(municipality=place, software=shared, status="production")
    projection.rebuild()
    bodies = _readme_discovery_examples()
    assert len(bodies) == 3
    for body in bodies:
        response = api.client.post("/graphql", body, content_type="application/graphql")
        result = response.json()
        assert response.status_code == 200 and "errors" not in result, (body, result)
    assert result["data"]["search"]["totalCount"] == 0


def test_graph_unavailable_message_is_translated(db, api, world, tmp_path):
    down = client.FalkorBackend(client.EmbeddedEngine(tmp_path / "down"), "g", autostart=False)
    previous = client.set_backend(down)
    try:
        result = api('{ municipality(ags: "05158004") { similar { totalCount } } }',
                     language="en")
    finally:
        client.set_backend(previous)
        down.close()
    assert result["errors"][0]["message"].startswith("The graph database cannot be reached")
