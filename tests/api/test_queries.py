"""Reading through the API: lookups by natural key and global ID, connections with
totalCount and cursors, filters, ordering and visibility."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from hub.models import Collaboration, Membership, Service, Usage, UsageStatus, Visibility
from tests import factories
from tests.api.conftest import codes_of, data_of


def names(connection) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


def test_municipality_by_ags_with_kreis_and_state(api, world):
    data = data_of(api('{ municipality(ags: "05158004") { name kind kreis { ags name } '
                       'state { code name } } }'))
    assert data["municipality"] == {"name": "Erkrath", "kind": "STADT",
                                    "kreis": {"ags": "05158000", "name": "Mettmann"},
                                    "state": {"code": "05", "name": "Nordrhein-Westfalen"}}


def test_unknown_natural_key_resolves_to_null(api, world):
    assert data_of(api('{ municipality(ags: "09999999") { name } }')) == {"municipality": None}


def test_node_resolves_global_id_of_each_type(api, world):
    usage = factories.UsageFactory(municipality=world.own)
    for obj, field in [(world.own, "ags"), (usage.software, "slug"), (world.provider, "slug")]:
        gid = to_global_id(type(obj).__name__, obj.pk)
        data = data_of(api("query($id: ID!) { node(id: $id) { id ... on Municipality { ags } "
                           "... on Software { slug } ... on Organization { slug } } }",
                           {"id": gid}))
        assert data["node"] == {"id": gid, field: getattr(obj, field)}


def test_software_service_organization_collaboration_lookups(api, world):
    factories.SoftwareFactory(slug="sessionnet", name="SessionNet")
    ozg = factories.ServiceFactory(ozg_id="10001", name="Meldebescheinigung")
    leika = Service.objects.create(kind="leika", name="Meldebescheinigung ausstellen",
                                   leika_key="99115004000000", ozg_service=ozg)
    collab = Collaboration.objects.create(title="Gemeinsames RIS", slug="ris", topic="procurement",
                                          lead_organization=world.provider)
    data = data_of(api("""query($cid: ID!) {
        software(slug: "sessionnet") { name }
        byLeika: service(leikaKey: "99115004000000") { name ozgService { ozgId } }
        byOzg: service(ozgId: "10001") { name leikaServices { totalCount } }
        organization(slug: "krzn") { name kind }
        bySlug: collaboration(slug: "ris") { title leadOrganization { slug } }
        byId: collaboration(id: $cid) { title }
    }""", {"cid": to_global_id("Collaboration", collab.pk)}))
    assert data["software"] == {"name": "SessionNet"}
    assert data["byLeika"] == {"name": leika.name, "ozgService": {"ozgId": "10001"}}
    assert data["byOzg"] == {"name": "Meldebescheinigung", "leikaServices": {"totalCount": 1}}
    assert data["organization"] == {"name": "KRZN", "kind": "IT_PROVIDER"}
    assert data["bySlug"] == {"title": "Gemeinsames RIS", "leadOrganization": {"slug": "krzn"}}
    assert data["byId"] == {"title": "Gemeinsames RIS"}


def test_connections_page_with_cursors_and_total_count(api, world):
    for i in range(5):
        factories.MunicipalityFactory(name=f"Aachen {i}")
    query = """query($after: String) { municipalities(first: 2, after: $after, search: "Aachen") {
        totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }"""
    seen, after = [], None
    while True:
        page = data_of(api(query, {"after": after}))["municipalities"]
        assert page["totalCount"] == 5
        seen += names(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"Aachen {i}" for i in range(5)]


def test_nested_list_pages_and_counts_beyond_the_page(api, world):
    for _ in range(4):
        factories.UsageFactory(municipality=world.own)
    data = data_of(api("""{ municipalities(search: "Erkrath") { edges { node {
        usages(first: 3) { totalCount pageInfo { hasNextPage } edges { node { status } } }
        all: usages { totalCount pageInfo { hasNextPage } } } } } }"""))
    node = data["municipalities"]["edges"][0]["node"]
    assert node["usages"]["totalCount"] == 4
    assert len(node["usages"]["edges"]) == 3
    assert node["usages"]["pageInfo"]["hasNextPage"] is True
    assert node["all"] == {"totalCount": 4, "pageInfo": {"hasNextPage": False}}


def test_nested_list_of_an_object_loaded_alone(api, world):
    usage = factories.UsageFactory(municipality=world.own)
    gid = to_global_id("Municipality", world.own.pk)
    data = data_of(api("query($id: ID!) { node(id: $id) { ... on Municipality { "
                       "usages { totalCount edges { node { software { slug } } } } } } }",
                       {"id": gid}))
    assert data["node"]["usages"] == {"totalCount": 1, "edges": [
        {"node": {"software": {"slug": usage.software.slug}}}]}


def test_municipality_filters(api, world):
    sessionnet = factories.SoftwareFactory(slug="sessionnet")
    factories.UsageFactory(municipality=world.own, software=sessionnet)
    factories.UsageFactory(municipality=world.other, software=sessionnet,
                           status=UsageStatus.RETIRED)
    association = factories.OrganizationFactory(slug="kdn", kind="association")
    Membership.objects.create(organization=association, member_municipality=world.other)
    world.other.population = 170000
    world.other.save()

    def matching(filters: str) -> list[str]:
        return names(data_of(api(f"{{ municipalities({filters}) {{ edges {{ node {{ name }} }} }} }}"))
                     ["municipalities"])

    assert matching('search: "erk"') == ["Erkrath"]
    assert matching('search: "05117"') == ["Mülheim an der Ruhr"]
    assert matching('kreis: "05158000"') == ["Erkrath"]
    assert matching('kind: [KREIS, KREISFREIE_STADT]') == ["Mettmann", "Mülheim an der Ruhr"]
    assert matching("populationMin: 100000") == ["Mülheim an der Ruhr"]
    assert matching("populationMax: 30000") == ["Erkrath"]
    assert matching('usesSoftware: "sessionnet"') == ["Erkrath"]  # retired usage is not use
    assert matching('usesSoftwareInCategory: "ratsinformationssystem"') == ["Erkrath"]
    assert matching('memberOf: "kdn"') == ["Mülheim an der Ruhr"]
    assert matching('state: "05", orderBy: "-population"')[0] == "Mülheim an der Ruhr"


def test_software_filters(api, world):
    vendor = factories.OrganizationFactory(slug="somacos", kind="vendor")
    bavaria = factories.StateFactory(code="09", name="Bayern")
    munich = factories.MunicipalityFactory(ags="09162000", name="München", state=bavaria)
    ris = factories.SoftwareFactory(name="SessionNet", vendor=vendor)
    oss = factories.SoftwareFactory(name="OpenRIS", is_open_source=True)
    factories.UsageFactory(municipality=munich, software=oss)
    factories.UsageFactory(municipality=world.own, software=ris)

    def matching(filters: str) -> list[str]:
        return names(data_of(api(f"{{ softwareList({filters}) {{ edges {{ node {{ name }} }} }} }}"))
                     ["softwareList"])

    assert matching("openSource: true") == ["OpenRIS"]
    assert matching('vendor: "somacos"') == ["SessionNet"]
    assert matching('usedInState: "09"') == ["OpenRIS"]
    assert matching('category: "ratsinformationssystem", orderBy: "-name"') == ["SessionNet", "OpenRIS"]
    assert matching('search: "open"') == ["OpenRIS"]


def test_usage_filters(api, world):
    service = factories.ServiceFactory(ozg_id="10234")
    old = factories.UsageFactory(municipality=world.own, status=UsageStatus.PLANNED)
    new = factories.UsageFactory(municipality=world.other, is_confirmed=False)
    new.services.add(service)
    Usage.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=30))

    def matching(filters: str) -> set[str]:
        data = data_of(api(f"{{ usages({filters}) {{ totalCount edges {{ node {{ "
                           f"municipality {{ ags }} }} }} }} }}"))
        return {e["node"]["municipality"]["ags"] for e in data["usages"]["edges"]}

    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert matching("status: [PLANNED]") == {world.own.ags}
    assert matching(f'software: "{new.software.slug}"') == {world.other.ags}
    assert matching(f'municipality: "{world.own.ags}"') == {world.own.ags}
    assert matching('service: "10234"') == {world.other.ags}
    assert matching(f'changedSince: "{since}"') == {world.other.ags}
    assert matching("confirmed: false") == {world.other.ags}


def test_organization_and_collaboration_filters(api, world):
    kdn = factories.OrganizationFactory(name="KDN", slug="kdn", kind="association")
    collab = Collaboration.objects.create(title="OZG-Verbund", slug="ozg", topic="ozg",
                                          status="planned", lead_organization=kdn)
    collab.municipalities.add(world.own)
    Collaboration.objects.create(title="Beschaffung", slug="b", topic="procurement")
    orgs = data_of(api('{ organizations(kind: [ASSOCIATION]) { edges { node { name } } } }'))
    assert names(orgs["organizations"]) == ["KDN"]

    def titles(filters: str) -> list[str]:
        data = data_of(api(f"{{ collaborations({filters}) {{ edges {{ node {{ title }} }} }} }}"))
        return [e["node"]["title"] for e in data["collaborations"]["edges"]]

    assert titles("topic: [OZG]") == ["OZG-Verbund"]
    assert titles("status: [PLANNED]") == ["OZG-Verbund"]
    assert titles(f'participant: "{world.own.ags}"') == ["OZG-Verbund"]
    assert titles('participant: "kdn"') == ["OZG-Verbund"]


def test_invalid_filter_value_is_a_clear_error(api, world):
    result = api('{ municipalities(orderBy: "einwohner") { totalCount } }')
    assert codes_of(result) == ["INVALID_FILTER"]
    assert "order_by" in result["errors"][0]["message"]
    result = api('{ usages(changedSince: "gestern") { totalCount } }')
    assert codes_of(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "DateTime" in result["errors"][0]["message"]


@pytest.mark.parametrize("persona, sees", [("anonymous", False), ("vendor", False),
                                           ("member", True), ("own_editor", True),
                                           ("other_editor", False), ("moderator", True)])
def test_members_only_usages_are_hidden_from_the_public(request, api_as, world, persona, sees):
    factories.UsageFactory(municipality=world.own, visibility=Visibility.MEMBERS)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    if persona == "other_editor":
        sees = True  # editors are members and read members-only data
    data = data_of(api_as(user)("""{ usages { totalCount }
        municipality(ags: "05158004") { usages { totalCount } }
        municipalities(usesSoftwareInCategory: "ratsinformationssystem") { totalCount } }"""))
    expected = 1 if sees else 0
    assert data["usages"]["totalCount"] == expected
    assert data["municipality"]["usages"]["totalCount"] == expected
    assert data["municipalities"]["totalCount"] == expected


def test_members_only_usage_is_not_reachable_by_global_id(api, world):
    usage = factories.UsageFactory(municipality=world.own, visibility=Visibility.MEMBERS)
    data = data_of(api("query($id: ID!) { node(id: $id) { id } }",
                       {"id": to_global_id("Usage", usage.pk)}))
    assert data == {"node": None}


@pytest.mark.parametrize("persona, visible", [("anonymous", False), ("vendor", False),
                                              ("member", True), ("own_editor", True),
                                              ("moderator", True)])
def test_contact_email_and_phone_only_for_members(request, api_as, world, persona, visible):
    factories.ContactFactory(municipality=world.own, email="it@erkrath.de", phone="02104 99")
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    data = data_of(api_as(user)('{ municipality(ags: "05158004") { contacts { edges { node { '
                                'name email phone } } } } }'))
    contact = data["municipality"]["contacts"]["edges"][0]["node"]
    assert contact["name"]
    if visible:
        assert (contact["email"], contact["phone"]) == ("it@erkrath.de", "02104 99")
    else:
        assert (contact["email"], contact["phone"]) == (None, None)


def test_software_usage_count_counts_active_visible_usages(api, world):
    software = factories.SoftwareFactory(slug="ris")
    factories.UsageFactory(municipality=world.own, software=software)
    factories.UsageFactory(municipality=world.other, software=software, status="retired")
    factories.UsageFactory(municipality=world.kreis, software=software, visibility="members")
    data = data_of(api('{ software(slug: "ris") { usageCount } '
                       'softwareList { edges { node { slug usageCount } } } }'))
    assert data["software"]["usageCount"] == 1
    assert data["softwareList"]["edges"] == [{"node": {"slug": "ris", "usageCount": 1}}]


def test_viewer_tells_who_is_asking(api_as, world, own_editor, write_token_api):
    query = ("{ viewer { isAuthenticated username isMember tokenScope "
             "editableMunicipalities { totalCount edges { node { ags } } } } }")
    assert data_of(api_as(None)(query))["viewer"]["isAuthenticated"] is False
    viewer = data_of(write_token_api(query))["viewer"]
    assert viewer == {"isAuthenticated": True, "username": "own_editor", "isMember": True,
                      "tokenScope": "READ_WRITE", "editableMunicipalities": {
                          "totalCount": 1, "edges": [{"node": {"ags": "05158004"}}]}}


def test_states_and_categories_lists(api, world):
    factories.SoftwareFactory()
    data = data_of(api("{ states { totalCount edges { node { code } } } "
                       "categories { totalCount edges { node { slug software { totalCount } } } } }"))
    assert data["states"] == {"totalCount": 1, "edges": [{"node": {"code": "05"}}]}
    assert data["categories"]["edges"][0]["node"] == {"slug": "ratsinformationssystem",
                                                      "software": {"totalCount": 1}}


def test_nested_usage_pages_keep_software_name_order_without_joining_the_parent(api, world):
    for name in ("Zeta", "Alpha", "Mitte", "Beta"):
        for place in (world.own, world.other):
            factories.UsageFactory(municipality=place,
                                   software=factories.SoftwareFactory(name=f"{name} {place.ags}"))
    query = """{ municipalities(first: 10, orderBy: "ags") { edges { node { ags
      usages(first: 3) { edges { node { software { name } } } } } } } }"""
    with CaptureQueriesContext(connection) as captured:
        data = data_of(api(query))
    lists = {edge["node"]["ags"]: [u["node"]["software"]["name"].split()[0]
                                   for u in edge["node"]["usages"]["edges"]]
             for edge in data["municipalities"]["edges"]}
    assert lists[world.own.ags] == ["Alpha", "Beta", "Mitte"]
    assert lists[world.other.ags] == ["Alpha", "Beta", "Mitte"]
    window = next(q["sql"] for q in captured.captured_queries if "ROW_NUMBER" in q["sql"])
    assert '"hub_municipality"' not in window
