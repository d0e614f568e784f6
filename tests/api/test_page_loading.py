"""How a page's nested lists load (api.optimize): only the rows the answer needs, the plan
computed once per request and never carried into the next one, visibility and contact rules
unchanged. Requests run through api.execution, the view's (and the benchmark's) code path,
with one request object reused like the benchmark does."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models.signals import post_init
from django.test import RequestFactory

from api import execution
from api.schema import schema
from hub.models import Usage, UsageStatus, Visibility
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = """query($first: Int) { municipalities(first: 10, orderBy: "ags") { edges { node { ags
  usages(first: $first) { edges { node { status software { slug } } } } } } } }"""
PAGE_INFO = PAGE.replace("usages(first: $first) {", "usages(first: $first) { pageInfo { hasNextPage }")
CONTACTS = """{ municipalities(first: 10, orderBy: "ags") { edges { node { ags
  usages { totalCount edges { node { status visibility } } }
  contacts { edges { node { name email phone } } } } } } }"""


def _run(request, query: str, **variables) -> dict:
    result = execution.run_query(schema.graphql_schema, query, variables=variables or None,
                                 context=request)
    assert not result.errors, result.errors
    return result.data


def _request(user=None):
    request = RequestFactory().post("/graphql")
    request.user, request.api_token = user or AnonymousUser(), None
    return request


def _place_with_usages(ags: str, count: int, **fields):
    place = factories.MunicipalityFactory(ags=ags)
    for _ in range(count):
        factories.UsageFactory(municipality=place, **fields)
    return place


def _usages_built(request, query: str, **variables) -> tuple[dict, int]:
    built: list[Usage] = []

    def count(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=Usage)
    try:
        data = _run(request, query, **variables)
    finally:
        post_init.disconnect(count, sender=Usage)
    return data, len(built)


def test_nested_page_loads_the_row_beyond_it_only_for_page_info():
    _place_with_usages("05158004", 5)
    request = _request()
    data, built = _usages_built(request, PAGE, first=2)
    usages = data["municipalities"]["edges"][0]["node"]["usages"]
    assert [edge["node"]["status"] for edge in usages["edges"]] == ["PRODUCTION"] * 2
    assert built == 2
    data, built = _usages_built(request, PAGE_INFO, first=2)
    assert data["municipalities"]["edges"][0]["node"]["usages"]["pageInfo"]["hasNextPage"]
    assert built == 3
    data, _ = _usages_built(request, PAGE_INFO, first=5)
    assert not data["municipalities"]["edges"][0]["node"]["usages"]["pageInfo"]["hasNextPage"]


def test_same_query_text_with_other_variables_pages_anew():
    _place_with_usages("05158004", 4)
    _place_with_usages("05158008", 4)
    request = _request()  # one request object, one cached document: nothing may carry over
    for first in (1, 3, 2, 4):
        nodes = [edge["node"] for edge in _run(request, PAGE, first=first)
                 ["municipalities"]["edges"]]
        assert [len(node["usages"]["edges"]) for node in nodes] == [first, first]


def test_page_answers_the_same_as_one_object_at_a_time():
    places = [_place_with_usages(f"0515800{i}", 3, status=UsageStatus.PILOT) for i in range(1, 4)]
    page = _run(_request(), PAGE, first=2)["municipalities"]["edges"]
    one = """query($ags: String!) { municipality(ags: $ags) { ags
      usages(first: 2) { edges { node { status software { slug } } } } } }"""
    assert [edge["node"] for edge in page] == [
        _run(_request(), one, ags=place.ags)["municipality"] for place in places]
    assert {edge["node"]["status"] for n in page for edge in n["node"]["usages"]["edges"]} == {
        "PILOT"}


def test_members_only_usages_and_contact_details_stay_hidden_on_the_page(member):
    place = _place_with_usages("05158004", 2, visibility=Visibility.PUBLIC)
    factories.UsageFactory(municipality=place, visibility=Visibility.MEMBERS)
    factories.ContactFactory(municipality=place, email="it@erkrath.example")
    shared = _request()  # the anonymous request first, on a reused request object

    def node(request):
        return _run(request, CONTACTS)["municipalities"]["edges"][0]["node"]

    anonymous = node(shared)
    assert anonymous["usages"]["totalCount"] == 2
    assert {e["node"]["visibility"] for e in anonymous["usages"]["edges"]} == {"PUBLIC"}
    assert anonymous["contacts"]["edges"][0]["node"]["email"] is None
    assert anonymous["contacts"]["edges"][0]["node"]["phone"] is None
    shared.user, shared._api_memo = member, {}
    seen = node(shared)
    assert seen["usages"]["totalCount"] == 3
    assert {e["node"]["visibility"] for e in seen["usages"]["edges"]} == {"PUBLIC", "MEMBERS"}
    assert seen["contacts"]["edges"][0]["node"]["email"] == "it@erkrath.example"
