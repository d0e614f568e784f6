"""No N+1: the number of SQL queries of typical reads does not grow with the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.models import Collaboration, Membership
from tests import factories
from tests.api.conftest import data_of

PORTFOLIOS = """{ municipalities(first: 100) { totalCount edges { node { ags name kind
  state { code } kreis { name }
  usages { totalCount edges { node { status since isStale services { totalCount }
    software { slug name usageCount category { slug } vendor { name slug } } } } } } } } }"""

CATALOGUE = """{ softwareList(first: 100) { totalCount edges { node { slug usageCount
  vendor { name products { totalCount } } category { name }
  usages(first: 5) { totalCount edges { node { municipality { ags kreis { name } }
    operatedBy { slug } services(first: 3) { edges { node { leikaKey } } } } } } } } } }"""

NETWORK = """{ collaborations(first: 50) { edges { node { title leadMunicipality { name }
  municipalities(first: 10) { totalCount edges { node { ags
    contacts(first: 5) { edges { node { name email } } } } } }
  organizations(first: 10) { edges { node { slug members { totalCount } } } }
  software(first: 10) { edges { node { slug } } } } } }
  organizations(first: 20) { edges { node { slug members(first: 100) { edges { node { role
    memberMunicipality { ags } memberOrganization { slug } } } } } } } }"""


def _hub(size: int, tag: str = ""):
    vendors = [factories.OrganizationFactory(kind="vendor") for _ in range(3)]
    products = [factories.SoftwareFactory(vendor=vendors[i % 3]) for i in range(6)]
    service = factories.ServiceFactory()
    provider = factories.OrganizationFactory()
    for i in range(size):
        place = factories.MunicipalityFactory()
        factories.ContactFactory(municipality=place)
        Membership.objects.create(organization=provider, member_municipality=place)
        for product in products[i % 3: i % 3 + 3]:
            usage = factories.UsageFactory(municipality=place, software=product,
                                           operated_by=provider)
            usage.services.add(service)
        collaboration = Collaboration.objects.create(title=f"IKZ {tag}{i}", slug=f"ikz-{tag}{i}",
                                                     topic="ozg", lead_municipality=place)
        collaboration.municipalities.add(place)
        collaboration.organizations.add(provider)
        collaboration.software.add(products[0])


def _count(api, query: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        data_of(api(query))
    return len(queries.captured_queries)


@pytest.mark.parametrize("persona", ["anonymous", "member", "own_editor"])
def test_page_of_100_municipalities_with_usages_runs_a_fixed_number_of_queries(
        request, api_as, world, persona, django_assert_max_num_queries):
    _hub(100)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    api = api_as(user)
    # session + user (2), groups/permissions of the viewer (≤ 6), count, page, usages (3)
    with django_assert_max_num_queries(11):
        result = data_of(api(PORTFOLIOS))
    edges = result["municipalities"]["edges"]
    assert len(edges) == 100
    assert sum(len(e["node"]["usages"]["edges"]) for e in edges) >= 290


@pytest.mark.parametrize("query", [PORTFOLIOS, CATALOGUE, NETWORK],
                         ids=["portfolios", "catalogue", "network"])
def test_query_count_does_not_grow_with_the_page(api_as, world, member, query):
    api = api_as(member)
    _hub(5)
    small = _count(api, query)
    _hub(60, tag="b")
    assert _count(api, query) == small


def _sql(api, query: str) -> str:
    with CaptureQueriesContext(connection) as queries:
        data_of(api(query))
    return "\n".join(q["sql"] for q in queries.captured_queries)


def test_page_loads_only_the_columns_the_query_selects(api_as, world, member):
    _hub(3)
    sql = _sql(api_as(member), """{ municipalities(first: 10) { edges { node { ags
      usages { edges { node { status software { slug vendor { name } } } } } } } } }""")
    assert '"hub_usage"."status"' in sql and '"hub_software"."slug"' in sql
    for unselected in ('"hub_usage"."notes"', '"hub_usage"."created_at"',
                       '"hub_software"."description"', '"hub_organization"."description"',
                       '"hub_municipality"."description"'):
        assert unselected not in sql


def test_computed_fields_read_declared_columns_without_extra_queries(api_as, world, member):
    api = api_as(member)
    _hub(3)
    plain = """{ municipalities(first: 50) { edges { node { ags
      usages { edges { node { status } } } } } } }"""
    computed = """{ municipalities(first: 50) { edges { node { ags displayName areaKm2 kind
      usages { edges { node { status isStale contact { email phone } } } } } } } }"""
    before = _count(api, plain)
    result = data_of(api(computed))
    nodes = [edge["node"] for edge in result["municipalities"]["edges"]]
    assert all(node["displayName"] and node["kind"] for node in nodes)
    usages = [edge["node"] for node in nodes for edge in node["usages"]["edges"]]
    assert usages and all(usage["isStale"] is False for usage in usages)
    # Declared columns, not a fallback to whole rows:
    sql = _sql(api, computed)
    assert '"hub_usage"."notes"' not in sql and '"hub_municipality"."description"' not in sql
    _hub(20, tag="b")
    assert _count(api, computed) == _count(api, plain) == before
