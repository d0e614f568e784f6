"""Defects the GraphQL fuzzing (tests/api/test_fuzz.py, `make fuzz`) found, one test each, so
they stay fixed even when the derandomised fuzzer no longer generates the same operation."""

from __future__ import annotations

import base64

import pytest

from tests.api.conftest import codes_of, data_of

NOT_A_CURSOR = '"0"'
NEGATIVE = '"' + base64.b64encode(b"arrayconnection:-5").decode() + '"'


@pytest.mark.parametrize("cursor", [NOT_A_CURSOR, NEGATIVE])
def test_offset_with_an_invalid_after_cursor_is_invalid_pagination(api, world, cursor):
    # was INTERNAL_ERROR: graphene-django added None (an unreadable cursor) to the offset
    result = api(f"{{ usages(offset: 1, after: {cursor}, first: 2) {{ totalCount }} }}",
                 language="en")
    assert codes_of(result) == ["INVALID_PAGINATION"]
    assert "“after” is not a valid cursor" in result["errors"][0]["message"]


def test_an_invalid_before_cursor_is_invalid_pagination_on_nested_lists(api, world):
    result = api(f'{{ municipality(ags: "05158004") {{ usages(before: {NOT_A_CURSOR}, last: 1) '
                 "{ totalCount } } }")
    assert codes_of(result) == ["INVALID_PAGINATION"]


def test_valid_cursors_still_page(api, world):
    first = data_of(api("{ municipalities(first: 1) { pageInfo { endCursor } } }"))
    cursor = first["municipalities"]["pageInfo"]["endCursor"]
    page = data_of(api(f'{{ municipalities(offset: 0, after: "{cursor}", first: 1) '
                       "{ edges { cursor } } }"))
    assert page["municipalities"]["edges"]
