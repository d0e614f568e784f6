"""Writing through the API: Relay-style input, natural keys or global IDs, one payload shape
with `errors { field message code }`, messages in the request's language."""

from __future__ import annotations

import pytest
from graphql_relay import to_global_id

from hub.models import Collaboration, Contact, Membership, Service, Software, Usage
from tests import factories
from tests.api.conftest import data_of

USAGE_FIELDS = ("usage { id status isConfirmed source notes since until satisfaction "
                "municipality { ags } software { slug } operatedBy { slug } "
                "successor { slug } services { totalCount } }")


def mutate(api, name: str, input: dict, payload: str = "", **headers) -> dict:
    type_name = name[0].upper() + name[1:]
    query = (f"mutation($input: {type_name}Input!) {{ {name}(input: $input) "
             f"{{ clientMutationId errors {{ field message code }} {payload} }} }}")
    return data_of(api(query, {"input": input}, **headers))[name]


def gid(obj) -> str:
    return to_global_id(type(obj).__name__, obj.pk)


@pytest.fixture
def editor_api(api_as, own_editor):
    return api_as(own_editor)


@pytest.fixture
def moderator_api(api_as, moderator):
    return api_as(moderator)


def test_usage_create_by_natural_keys(editor_api, world):
    factories.SoftwareFactory(slug="sessionnet")
    service = Service.objects.create(kind="leika", name="Ratsinfo", leika_key="99000000000001")
    result = mutate(editor_api, "usageCreate", {
        "municipality": "05158004", "software": "sessionnet", "status": "PRODUCTION",
        "operatedBy": "krzn", "services": ["99000000000001"], "since": "2019-01-01",
        "satisfaction": 4, "clientMutationId": "m1"}, USAGE_FIELDS)
    assert result["errors"] == [] and result["clientMutationId"] == "m1"
    usage = result["usage"]
    assert usage["municipality"] == {"ags": "05158004"}
    assert usage["software"] == {"slug": "sessionnet"}
    assert usage["operatedBy"] == {"slug": "krzn"}
    assert usage["services"] == {"totalCount": 1}
    assert (usage["status"], usage["isConfirmed"], usage["source"]) == (
        "PRODUCTION", True, "SELF_DECLARED")
    assert list(Usage.objects.get().services.all()) == [service]


def test_usage_create_by_global_ids(editor_api, world):
    software = factories.SoftwareFactory()
    result = mutate(editor_api, "usageCreate", {"municipality": gid(world.own),
                                                "software": gid(software)}, USAGE_FIELDS)
    assert result["errors"] == []
    assert result["usage"]["software"]["slug"] == software.slug


def test_provider_entry_is_proposed_until_the_municipality_confirms(api_as, world,
                                                                    provider_editor, own_editor):
    software = factories.SoftwareFactory()
    created = mutate(api_as(provider_editor), "usageCreate", {
        "municipality": world.own.ags, "software": software.slug}, USAGE_FIELDS)["usage"]
    assert (created["isConfirmed"], created["source"]) == (False, "PROVIDER")
    confirmed = mutate(api_as(own_editor), "usageConfirm", {"id": created["id"]},
                       "usage { isConfirmed lastConfirmedAt }")["usage"]
    assert confirmed["isConfirmed"] is True and confirmed["lastConfirmedAt"]


def test_duplicate_active_usage_is_a_field_error_in_german_and_english(editor_api, world):
    usage = factories.UsageFactory(municipality=world.own)
    input = {"municipality": world.own.ags, "software": usage.software.slug}
    german = mutate(editor_api, "usageCreate", input, "usage { id }")
    assert german["usage"] is None
    assert german["errors"] == [{"field": "software", "code": "DUPLICATE_ACTIVE_USAGE",
                                 "message": "Diese Kommune hat für diese Software bereits eine "
                                            "aktive Nutzung."}]
    english = mutate(editor_api, "usageCreate", input, language="en")
    assert english["errors"] == [{"field": "software", "code": "DUPLICATE_ACTIVE_USAGE",
                                  "message": "This municipality already has an active usage "
                                             "of this software."}]
    assert Usage.objects.count() == 1


def test_unknown_references_are_reported_per_field(editor_api, world):
    factories.ServiceFactory(ozg_id="10001")
    result = mutate(editor_api, "usageCreate", {
        "municipality": world.own.ags, "software": "gibt-es-nicht",
        "services": ["10001", "99999999999999"]}, "usage { id }")
    assert {(e["field"], e["code"]) for e in result["errors"]} == {
        ("software", "NOT_FOUND"), ("services.1", "NOT_FOUND")}
    assert "gibt-es-nicht" in result["errors"][0]["message"] + result["errors"][1]["message"]
    assert not Usage.objects.exists()


def test_unknown_target_municipality_is_not_found(editor_api, world):
    result = mutate(editor_api, "usageCreate", {"municipality": "09999999", "software": "x"})
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("municipality", "NOT_FOUND")]


def test_invalid_ags_message_in_english(moderator_api, world):
    result = mutate(moderator_api, "usageUpdate", {"id": "VXNhZ2U6OTk5", "notes": "x"},
                    language="en")
    assert result["errors"] == [{"field": "id", "code": "NOT_FOUND",
                                 "message": "“VXNhZ2U6OTk5” was not found (Usage)."}]


def test_usage_update_validation_errors(editor_api, world):
    usage = factories.UsageFactory(municipality=world.own, status="production")
    result = mutate(editor_api, "usageUpdate", {"id": gid(usage), "status": "PLANNED"})
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("status", "INVALID_TRANSITION")]
    result = mutate(editor_api, "usageUpdate", {"id": gid(usage), "since": "2020-01-01",
                                                "until": "2019-01-01"})
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("until", "UNTIL_BEFORE_SINCE")]
    result = mutate(editor_api, "usageUpdate", {"id": gid(usage), "satisfaction": 7})
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("satisfaction", "OUT_OF_RANGE")]
    usage.refresh_from_db()
    assert (usage.status, usage.since, usage.satisfaction) == ("production", None, None)


def test_usage_update_clears_text_with_null(editor_api, world):
    usage = factories.UsageFactory(municipality=world.own, notes="alt")
    result = mutate(editor_api, "usageUpdate", {"id": gid(usage), "notes": None}, USAGE_FIELDS)
    assert result["errors"] == [] and result["usage"]["notes"] == ""


def test_usage_retire_records_successor(editor_api, world):
    usage = factories.UsageFactory(municipality=world.own)
    successor = factories.SoftwareFactory(slug="nachfolger")
    result = mutate(editor_api, "usageRetire", {"id": gid(usage), "successor": "nachfolger"},
                    USAGE_FIELDS)
    assert result["usage"]["status"] == "RETIRED"
    assert result["usage"]["successor"] == {"slug": successor.slug}
    assert result["usage"]["until"]


def test_usage_delete(editor_api, world):
    usage = factories.UsageFactory(municipality=world.own)
    result = mutate(editor_api, "usageDelete", {"id": gid(usage)}, "deletedId")
    assert result == {"clientMutationId": None, "errors": [], "deletedId": gid(usage)}
    assert not Usage.objects.exists()


def test_upsert_usages_creates_and_updates(editor_api, world):
    existing = factories.UsageFactory(municipality=world.own, status="pilot")
    new = factories.SoftwareFactory()
    result = mutate(editor_api, "upsertUsages", {"municipality": world.own.ags, "usages": [
        {"software": existing.software.slug, "status": "PRODUCTION"},
        {"software": new.slug, "status": "PLANNED", "targetDate": "2027-01-01"}]},
        "usages { software { slug } status }")
    assert result["errors"] == []
    assert result["usages"] == [{"software": {"slug": existing.software.slug}, "status": "PRODUCTION"},
                                {"software": {"slug": new.slug}, "status": "PLANNED"}]
    assert Usage.objects.filter(municipality=world.own).count() == 2


def test_upsert_usages_is_all_or_nothing(editor_api, world):
    good, bad = factories.SoftwareFactory(), factories.SoftwareFactory()
    before = list(Usage.objects.values_list("pk", "updated_at"))
    result = mutate(editor_api, "upsertUsages", {"municipality": world.own.ags, "usages": [
        {"software": good.slug, "status": "PRODUCTION"},
        {"software": bad.slug, "since": "2020-01-01", "until": "2019-01-01"},
        {"software": good.slug}]}, "usages { id }")
    assert result["usages"] is None
    assert {(e["field"], e["code"]) for e in result["errors"]} == {
        ("usages.1.until", "UNTIL_BEFORE_SINCE"), ("usages.2.software", "DUPLICATE")}
    assert list(Usage.objects.values_list("pk", "updated_at")) == before
    result = mutate(editor_api, "upsertUsages", {"municipality": world.own.ags, "usages": [
        {"software": good.slug}, {"software": "unbekannt"}]}, "usages { id }")
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("usages.1.software", "NOT_FOUND")]
    assert not Usage.objects.exists()


def test_municipality_profile_update(editor_api, world):
    result = mutate(editor_api, "municipalityUpdate", {
        "id": world.own.ags, "description": "Stadt im Kreis Mettmann", "website": "kein-link"},
        "municipality { description website }")
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("website", "INVALID")]
    result = mutate(editor_api, "municipalityUpdate", {
        "id": world.own.ags, "description": "Stadt im Kreis Mettmann",
        "website": "https://www.erkrath.de", "areaKm2": "26.90"},
        "municipality { description website areaKm2 }")
    assert result["municipality"] == {"description": "Stadt im Kreis Mettmann",
                                      "website": "https://www.erkrath.de", "areaKm2": 26.9}


def test_contact_create_update_delete(editor_api, moderator_api, world):
    created = mutate(editor_api, "contactCreate", {
        "municipality": world.own.ags, "name": "Eva Beispiel", "email": "eva@erkrath.de"},
        "contact { id name email municipality { ags } }")["contact"]
    assert created["email"] == "eva@erkrath.de" and created["municipality"]["ags"] == world.own.ags
    result = mutate(editor_api, "contactUpdate", {"id": created["id"], "email": "kaputt"})
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("email", "INVALID")]
    mutate(editor_api, "contactDelete", {"id": created["id"]})
    assert not Contact.objects.exists()
    orphan = mutate(moderator_api, "contactCreate", {"name": "Niemand"})
    assert [(e["field"], e["code"]) for e in orphan["errors"]] == [(None, "OWNER_REQUIRED")]


def test_software_create_and_duplicate_slug(editor_api, world):
    factories.CategoryFactory()
    input = {"name": "OpenRIS", "slug": "openris", "category": "ratsinformationssystem",
             "isOpenSource": True, "vendor": "krzn"}
    created = mutate(editor_api, "softwareCreate", input,
                     "software { slug isOpenSource vendor { slug } category { slug } }")
    assert created["software"] == {"slug": "openris", "isOpenSource": True,
                                   "vendor": {"slug": "krzn"},
                                   "category": {"slug": "ratsinformationssystem"}}
    again = mutate(editor_api, "softwareCreate", input)
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("slug", "DUPLICATE")]
    assert Software.objects.count() == 1


def test_service_create_validates_keys(moderator_api, world):
    result = mutate(moderator_api, "serviceCreate", {"kind": "LEIKA", "name": "X",
                                                     "leikaKey": "12345"})
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("leikaKey", "INVALID_LEIKA_KEY")]
    ozg = mutate(moderator_api, "serviceCreate", {"kind": "OZG", "name": "Ummeldung",
                                                  "ozgId": "10001"}, "service { id ozgId }")
    leika = mutate(moderator_api, "serviceCreate", {
        "kind": "LEIKA", "name": "Ummeldung Wohnung", "leikaKey": "99115001000000",
        "ozgService": "10001"}, "service { ozgService { ozgId } }")
    assert ozg["service"]["ozgId"] == "10001"
    assert leika["service"] == {"ozgService": {"ozgId": "10001"}}
    renamed = mutate(moderator_api, "serviceUpdate", {"id": "99115001000000", "name": "Neu"},
                     "service { name }")
    assert renamed["service"] == {"name": "Neu"}


def test_organization_and_membership_mutations(moderator_api, editor_api, world):
    org = mutate(moderator_api, "organizationCreate", {
        "name": "Kommunale Datenverarbeitung", "slug": "kdv", "kind": "ASSOCIATION"},
        "organization { slug kind }")
    assert org["organization"] == {"slug": "kdv", "kind": "ASSOCIATION"}
    both = mutate(moderator_api, "membershipCreate", {
        "organization": "kdv", "memberMunicipality": world.own.ags, "memberOrganization": "krzn"})
    assert [e["code"] for e in both["errors"]] == ["OWNER_REQUIRED"]
    joined = mutate(editor_api, "membershipCreate", {
        "organization": "kdv", "memberMunicipality": world.own.ags, "role": "MEMBER",
        "since": "2020-01-01"}, "membership { id role organization { slug } }")["membership"]
    assert joined["organization"] == {"slug": "kdv"}
    updated = mutate(editor_api, "membershipUpdate", {"id": joined["id"], "until": "2019-01-01"})
    assert [(e["field"], e["code"]) for e in updated["errors"]] == [("until", "UNTIL_BEFORE_SINCE")]
    mutate(editor_api, "membershipDelete", {"id": joined["id"]})
    assert not Membership.objects.filter(organization__slug="kdv").exists()


def test_collaboration_mutations(editor_api, world):
    software = factories.SoftwareFactory()
    result = mutate(editor_api, "collaborationCreate", {
        "title": "Gemeinsames RIS", "slug": "ris", "topic": "PROCUREMENT",
        "leadMunicipality": world.own.ags, "municipalities": [world.own.ags, world.other.ags],
        "software": [software.slug], "start": "2024-01-01", "end": "2023-01-01"})
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("end", "UNTIL_BEFORE_SINCE")]
    assert not Collaboration.objects.exists()
    created = mutate(editor_api, "collaborationCreate", {
        "title": "Gemeinsames RIS", "slug": "ris", "topic": "PROCUREMENT",
        "leadMunicipality": world.own.ags, "municipalities": [world.own.ags, world.other.ags],
        "software": [software.slug]},
        "collaboration { slug municipalities { totalCount } software { totalCount } }")
    assert created["collaboration"] == {"slug": "ris", "municipalities": {"totalCount": 2},
                                        "software": {"totalCount": 1}}
    updated = mutate(editor_api, "collaborationUpdate", {"id": "ris", "status": "COMPLETED"},
                     "collaboration { status }")
    assert updated["collaboration"] == {"status": "COMPLETED"}
    mutate(editor_api, "collaborationDelete", {"id": "ris"})
    assert not Collaboration.objects.exists()
