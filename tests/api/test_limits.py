"""Limits: depth, page size and cost are refused before anything runs, with an error naming
the limit; rate limits answer 429 per anonymous client (IP) and per token."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql import get_introspection_query

from api import services
from api.models import TokenScope
from tests.api.conftest import Api, codes_of, data_of


def test_too_deep_query_is_refused_naming_the_limit(api, world, settings):
    nested = "kreis { " * (settings.API_MAX_DEPTH + 1) + "name" + " }" * (settings.API_MAX_DEPTH + 1)
    with CaptureQueriesContext(connection) as queries:
        result = api(f'{{ municipality(ags: "05158004") {{ {nested} }} }}', language="en")
    assert api.last.status_code == 400
    assert codes_of(result) == ["DEPTH_LIMIT_EXCEEDED"]
    error = result["errors"][0]
    assert error["extensions"]["limit"] == settings.API_MAX_DEPTH
    assert f"the limit is {settings.API_MAX_DEPTH}" in error["message"]
    assert not [q for q in queries.captured_queries if "hub_municipality" in q["sql"]]


def test_page_size_above_100_is_refused(api, world):
    result = api("query($n: Int) { municipalities(first: $n) { totalCount } }", {"n": 101})
    assert codes_of(result) == ["PAGE_SIZE_LIMIT_EXCEEDED"]
    assert result["errors"][0]["extensions"] == {"code": "PAGE_SIZE_LIMIT_EXCEEDED",
                                                 "limit": 100, "actual": 101}
    nested = api('{ municipality(ags: "05158004") { usages(last: 500) { totalCount } } }')
    assert codes_of(nested) == ["PAGE_SIZE_LIMIT_EXCEEDED"]
    assert "höchstens 100" in nested["errors"][0]["message"]


def test_costly_query_is_refused_with_its_estimate(api, world, settings):
    query = """fragment Usages on Municipality { usages(first: 100) { edges { node {
                 services(first: 100) { edges { node { name } } } } } } }
               { municipalities(first: 100) { edges { node { ...Usages } } } }"""
    result = api(query)
    assert codes_of(result) == ["COST_LIMIT_EXCEEDED"]
    assert result["errors"][0]["extensions"]["actual"] == 100 + 100 * 100 + 100 * 100 * 100
    assert result["errors"][0]["extensions"]["limit"] == settings.API_MAX_COST


def test_count_only_lists_cost_one_row_each(api, world):
    query = """{ municipalities(first: 100) { edges { node { usages { totalCount }
                 contacts { totalCount } collaborations { totalCount } } } } }"""
    assert data_of(api(query))["municipalities"]["edges"]


def test_cyclic_fragments_are_a_validation_error_not_a_crash(api, world):
    result = api("fragment A on Municipality { kreis { ...B } } "
                 "fragment B on Municipality { kreis { ...A } } "
                 '{ municipality(ags: "05158004") { ...A } }')
    assert codes_of(result) and set(codes_of(result)) == {"GRAPHQL_VALIDATION_FAILED"}


def test_introspection_is_not_limited_by_depth(api, db):
    result = api(get_introspection_query())
    assert "__schema" in data_of(result)


def test_anonymous_clients_are_rate_limited_per_address(api, db, settings):
    settings.API_RATE_LIMIT_ANONYMOUS = "3/m"
    for _ in range(3):
        data_of(api("{ viewer { isAuthenticated } }"))
    result = api("{ viewer { isAuthenticated } }", language="en")
    assert api.last.status_code == 429
    assert codes_of(result) == ["RATE_LIMITED"]
    assert result["errors"][0]["extensions"]["limit"] == "3/m"
    assert "at most 3/m" in result["errors"][0]["message"]
    assert int(api.last["Retry-After"]) >= 1
    elsewhere = api("{ viewer { isAuthenticated } }", REMOTE_ADDR="10.1.2.3")
    assert "errors" not in elsewhere


def test_tokens_are_rate_limited_each_on_their_own(own_editor, settings):
    settings.API_RATE_LIMIT_AUTHENTICATED = "2/m"
    first = Api(Client(), {"HTTP_AUTHORIZATION": "Bearer " + services.api_token_create(
        actor=own_editor, name="a", scope=TokenScope.READ)[1]})
    second = Api(Client(), {"HTTP_AUTHORIZATION": "Bearer " + services.api_token_create(
        actor=own_editor, name="b", scope=TokenScope.READ)[1]})
    for _ in range(2):
        data_of(first("{ viewer { username } }"))
    assert codes_of(first("{ viewer { username } }")) == ["RATE_LIMITED"]
    assert data_of(second("{ viewer { username } }"))["viewer"]["username"] == "own_editor"


def test_offset_with_before_is_refused_as_invalid_pagination(api, world):
    result = api('{ municipalities(offset: 1, before: "YXJyYXljb25uZWN0aW9uOjA=") { totalCount } }',
                 language="en")
    assert codes_of(result) == ["INVALID_PAGINATION"]
    assert "cannot be used together" in result["errors"][0]["message"]


def test_negative_page_size_is_refused_as_invalid_pagination(api, world):
    result = api('{ municipality(ags: "05158004") { usages(first: -1) { totalCount } } }')
    assert codes_of(result) == ["INVALID_PAGINATION"]


def test_node_with_malformed_global_id_is_null_not_an_internal_error(api, world):
    result = api('{ a: node(id: "") { id } b: node(id: "bm9wZTox") { id } '
                 'c: node(id: "TXVuaWNpcGFsaXR5Om5vcGU=") { id } }')
    assert data_of(result) == {"a": None, "b": None, "c": None}


def test_nul_characters_are_refused_in_literals_and_variables(api, world):
    literal = api('{ service(ozgId: "\\u0000") { name } }', language="en")
    variable = api("query($q: String) { softwareList(search: $q) { totalCount } }",
                   {"q": "a\x00b"}, language="en")
    for result in (literal, variable):
        assert codes_of(result) == ["INVALID"]
        assert "NUL character" in result["errors"][0]["message"]


def test_query_that_is_not_text_is_a_validation_error_not_a_crash(api, db):
    for query in (123, ["{ states { totalCount } }"]):
        result = api(query)
        assert api.last.status_code == 400
        assert codes_of(result) == ["GRAPHQL_VALIDATION_FAILED"]


def test_repeated_query_text_is_checked_against_each_request_s_variables(api, world):
    query = "query($n: Int) { municipalities(first: $n) { totalCount } }"
    assert "errors" not in api(query, {"n": 5})
    assert codes_of(api(query, {"n": 500})) == ["PAGE_SIZE_LIMIT_EXCEEDED"]
    assert "errors" not in api(query, {"n": 100})
