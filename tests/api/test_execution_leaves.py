"""The short way for leaf fields (api.execution.SyncExecutionContext) answers exactly what
graphql-core's own ExecutionContext answers: data, nulls, and errors with their message, path
and locations. Every query runs through both and the formatted results are compared whole;
the fast context also has to take the short way (fewer `execute_field` calls), or the
comparison would prove nothing."""

from __future__ import annotations

import datetime
import types

import graphene
import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from graphene.types.resolver import attr_resolver
from graphql import ExecutionContext, execute, parse, validate

from api import execution, optimize
from api.enums import UsageStatus
from api.fields import attribute_resolvers, enum_field
from api.schema import schema
from hub.models import Visibility
from tests import factories


class Counting(execution.SyncExecutionContext):
    calls = 0

    def execute_field(self, *args, **kwargs):
        type(self).calls += 1
        return super().execute_field(*args, **kwargs)


def _request():
    request = RequestFactory().post("/graphql")
    request.user, request.api_token = AnonymousUser(), None
    return request


def _both(target, query: str, variables: dict | None = None, root=None,
          middleware: list | None = None) -> dict:
    """Run `query` through graphql-core's ExecutionContext and the fast one (fresh request
    objects, pages released like api.execution.run does); returns the fast one's answer
    after asserting both are equal and that the fast context skipped execute_field."""
    document = parse(query)
    assert validate(target, document) == []
    answers, calls = [], []
    for context_class in (ExecutionContext, Counting):
        request = _request()
        Counting.calls = 0
        try:
            result = execute(target, document, root_value=root, context_value=request,
                             variable_values=variables, middleware=middleware,
                             execution_context_class=context_class)
        finally:
            optimize.release(request)
        answers.append(result.formatted)
        calls.append(Counting.calls)
    plain, fast = answers
    assert fast == plain
    assert list(fast.get("data") or {}) == list(plain.get("data") or {})  # same key order
    return {"answer": fast, "execute_field calls": calls[1]}


@pytest.fixture
def hub_data(db):
    kreis = factories.KreisFactory()
    vendor = factories.OrganizationFactory(name="Vendor GmbH")
    with_vendor = factories.SoftwareFactory(name="Ratsinfo", vendor=vendor)
    without_vendor = factories.SoftwareFactory(name="Eigenbau")
    for index in range(3):
        town = factories.MunicipalityFactory(state=kreis.state, parent=kreis,
                                             population=None if index == 1 else 1000 * index)
        factories.UsageFactory(municipality=town, software=with_vendor,
                               since=datetime.date(2020, 1, index + 1))
        factories.UsageFactory(municipality=town, software=without_vendor, status="pilot")
        factories.UsageFactory(municipality=town, software=factories.SoftwareFactory(),
                               visibility=Visibility.MEMBERS)
    return kreis


HUB_QUERIES = {
    "nested connections, enums, nulls": """{ municipalities(first: 10, orderBy: "ags") {
        totalCount edges { cursor node { id ags name kind population kreis { name }
          usages { totalCount pageInfo { hasNextPage endCursor } edges { node { status since
            satisfaction isConfirmed software { slug name vendor { name } } } } } } } } }""",
    "aliases, the same field twice, fragments": """
        { municipalities(first: 5, orderBy: "-ags") { edges { node { ...Town key: ags ags
          ... on Municipality { name title: name } usages(first: 2) { edges { node {
            ...UsageFields first: status } } } } } } }
        fragment Town on Municipality { ags name kind }
        fragment UsageFields on Usage { status software { name slug } }""",
    "@include and @skip, with variables": """query($yes: Boolean!, $no: Boolean!) {
        municipalities(first: 5) { edges { node { ags @include(if: $yes) name @skip(if: $yes)
          kind @include(if: $no) population @skip(if: $no)
          usages { edges { node { status @include(if: true) since @skip(if: false) } } } } } } }""",
    "__typename and introspection": """{ municipalities(first: 2) { __typename edges {
        __typename node { __typename ags } } }
        __type(name: "Usage") { name kind fields { name type { name kind ofType { name } } } }
        __schema { queryType { name } types { name kind } } }""",
}


@pytest.mark.parametrize("name", list(HUB_QUERIES))
def test_hub_queries_answer_like_graphql_core(hub_data, name):
    variables = {"yes": True, "no": False} if "$yes" in HUB_QUERIES[name] else None
    outcome = _both(schema.graphql_schema, HUB_QUERIES[name], variables)
    assert "errors" not in outcome["answer"]
    assert outcome["answer"]["data"]


def test_leaves_of_the_portfolio_page_skip_execute_field(hub_data):
    query = """{ municipalities(first: 10) { edges { node { ags name
        usages { edges { node { status since software { slug name vendor { name } } } } } } } } }"""
    outcome = _both(schema.graphql_schema, query)
    fields, leaves = _count_fields(outcome["answer"]["data"])
    assert leaves > 30
    # every leaf of this query is read directly; only the lists and objects go through
    # graphql-core's execute_field
    assert outcome["execute_field calls"] == fields - leaves


LEAVES = {"ags", "name", "status", "since", "slug"}


def _count_fields(value) -> tuple[int, int]:
    """(fields, leaf fields) in an answer."""
    fields = leaves = 0
    if isinstance(value, dict):
        fields, leaves = len(value), len(LEAVES & value.keys())
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            more, more_leaves = _count_fields(item)
            fields, leaves = fields + more, leaves + more_leaves
    return fields, leaves


class Boom:
    """An object whose attribute read raises, like a broken property."""

    @property
    def name(self):
        raise RuntimeError("kaputt")

    nick = "n"
    count = 1
    size = None
    status = "production"


def _thing(**values):
    defaults = {"name": "a", "nick": None, "count": 1, "size": None, "status": "production"}
    return types.SimpleNamespace(**{**defaults, **values})


class Thing(graphene.ObjectType):
    class Meta:
        default_resolver = attr_resolver

    name = graphene.String(required=True)
    nick = graphene.String()
    count = graphene.Int(required=True)
    size = graphene.Int()
    status = enum_field(UsageStatus, "status")
    state = enum_field(UsageStatus, "status", required=True)


THINGS = [
    _thing(),
    _thing(name=None),  # null in a non-null field: the item becomes null, one error
    _thing(count="many"),  # Int cannot represent it: error from the serializer
    _thing(size=2**40),  # outside Int's range in a nullable field: null and an error
    _thing(status="unknown"),  # not a member of the enum
    _thing(nick=ValueError("a value that is an exception")),
    Boom(),
    _thing(nick="x", size=7, status="pilot"),
]


class ErrorQuery(graphene.ObjectType):
    things = graphene.List(Thing, required=True)
    strict = graphene.List(graphene.NonNull(Thing))  # one bad item nulls the whole list

    def resolve_things(root, info):
        return THINGS

    def resolve_strict(root, info):
        return THINGS


error_schema = graphene.Schema(query=ErrorQuery)
attribute_resolvers(error_schema.graphql_schema)


def test_errors_in_leaves_are_graphql_cores_with_path_and_locations():
    outcome = _both(error_schema.graphql_schema, """{ things { name nick count size status
        state alias: name } strict { name } }""")
    answer = outcome["answer"]
    assert answer["data"]["strict"] is None
    assert answer["data"]["things"][0] == {"name": "a", "nick": None, "count": 1, "size": None,
                                           "status": "PRODUCTION", "state": "PRODUCTION",
                                           "alias": "a"}
    assert answer["data"]["things"][1] is None
    assert answer["data"]["things"][7]["size"] == 7
    paths = [error["path"] for error in answer["errors"]]
    assert ["things", 1, "name"] in paths and ["things", 6, "name"] in paths
    assert all(error["locations"] for error in answer["errors"])


def test_resolvers_marked_at_schema_build():
    fields = error_schema.graphql_schema.type_map["Thing"].fields
    assert fields["name"].resolve.reads == ("name", None)
    assert fields["status"].resolve.without_info is True
    usage = schema.graphql_schema.type_map["Usage"].fields
    assert usage["since"].resolve.reads == ("since", None)


def test_with_middleware_every_field_goes_graphql_cores_way():
    def shout(next_, root, info, **args):
        value = next_(root, info, **args)
        return value.upper() if isinstance(value, str) else value

    outcome = _both(error_schema.graphql_schema, "{ things { name nick } }", middleware=[shout])
    assert outcome["answer"]["data"]["things"][0]["name"] == "A"
