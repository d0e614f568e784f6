"""The permission matrix: every persona × every mutation × own/other object. Allowed cases
succeed; refused cases get a top-level PERMISSION_DENIED error and change nothing (no row,
no history entry, no outbox event).

"own" objects belong to world.own (Erkrath, whose editor is own_editor and which the IT
provider KRZN serves through its Kreis) or to KRZN itself; "other" objects belong to
world.other (Mülheim, edited by other_editor) or to an unrelated organisation. The token
personas are own_editor's tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from graphql_relay import to_global_id

from api.models import TokenScope
from hub.models import Membership, OutboxEvent, Usage
from tests import factories
from tests.api.conftest import codes_of

PERSONAS = ["anonymous", "member", "vendor", "own_editor", "other_editor", "provider_editor",
            "moderator", "read_token", "write_token"]
OWN_EDITORS = {"own_editor", "moderator", "write_token"}
RECORDERS = OWN_EDITORS | {"provider_editor"}
EDITORS = RECORDERS | {"other_editor"}
MODERATOR = {"moderator"}
# The "other" municipality is other_editor's own: there, they are the municipality's editor.
OTHER_SIDE = {"moderator", "other_editor"}


def gid(obj) -> str:
    return to_global_id(type(obj).__name__, obj.pk)


def place(world, side):
    return world.own if side == "own" else world.other


def usage_at(world, side, **fields) -> Usage:
    return factories.UsageFactory(municipality=place(world, side), **fields)


def contact_at(world, side):
    return factories.ContactFactory(municipality=place(world, side))


def vendor_software(world, side):
    vendor = world.provider if side == "own" else factories.OrganizationFactory(kind="vendor")
    return factories.SoftwareFactory(vendor=vendor)


def membership_of(world, side) -> Membership:
    association = factories.OrganizationFactory(kind="association")
    return Membership.objects.create(organization=association,
                                     member_municipality=place(world, side))


def collaboration_led_by(world, side):
    from hub.models import Collaboration

    return Collaboration.objects.create(title="IKZ", slug=f"ikz-{side}", topic="ozg",
                                        lead_municipality=place(world, side))


@dataclass
class Case:
    mutation: str
    input: Callable[[Any, str], dict[str, Any]]
    allowed: dict[str, set[str]]  # side -> personas allowed

    def query(self) -> str:
        return (f"mutation($input: {self.mutation[0].upper()}{self.mutation[1:]}Input!) "
                f"{{ {self.mutation}(input: $input) {{ errors {{ field code message }} }} }}")


CASES = [
    Case("usageCreate", lambda w, s: {"municipality": place(w, s).ags,
                                      "software": factories.SoftwareFactory().slug},
         {"own": RECORDERS, "other": OTHER_SIDE}),
    Case("usageUpdate", lambda w, s: {"id": gid(usage_at(w, s)), "notes": "geändert"},
         {"own": RECORDERS, "other": OTHER_SIDE}),
    Case("usageRetire", lambda w, s: {"id": gid(usage_at(w, s))},
         {"own": RECORDERS, "other": OTHER_SIDE}),
    Case("usageConfirm", lambda w, s: {"id": gid(usage_at(w, s, is_confirmed=False))},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("usageDelete", lambda w, s: {"id": gid(usage_at(w, s))},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("upsertUsages", lambda w, s: {"municipality": place(w, s).ags, "usages": [
        {"software": factories.SoftwareFactory().slug, "status": "PILOT"}]},
         {"own": RECORDERS, "other": OTHER_SIDE}),
    Case("municipalityUpdate", lambda w, s: {"id": place(w, s).ags, "description": "Profil"},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("contactCreate", lambda w, s: {"municipality": place(w, s).ags, "name": "Eva Beispiel"},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("contactUpdate", lambda w, s: {"id": gid(contact_at(w, s)), "role": "IT-Leitung"},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("contactDelete", lambda w, s: {"id": gid(contact_at(w, s))},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("softwareCreate", lambda w, s: {"name": "Neu", "slug": f"neu-{s}",
                                         "category": factories.CategoryFactory().slug},
         {"own": EDITORS, "other": EDITORS}),
    Case("softwareUpdate", lambda w, s: {"id": vendor_software(w, s).slug, "licence": "EUPL-1.2"},
         {"own": {"provider_editor", "moderator"}, "other": MODERATOR}),
    Case("serviceCreate", lambda w, s: {"kind": "OZG", "name": "Neue Leistung",
                                        "ozgId": "99001" if s == "own" else "99002"},
         {"own": MODERATOR, "other": MODERATOR}),
    Case("serviceUpdate", lambda w, s: {"id": factories.ServiceFactory().ozg_id, "name": "X"},
         {"own": MODERATOR, "other": MODERATOR}),
    Case("organizationCreate", lambda w, s: {"name": "Neu", "slug": f"neu-{s}",
                                             "kind": "ASSOCIATION"},
         {"own": MODERATOR, "other": MODERATOR}),
    Case("organizationUpdate",
         lambda w, s: {"id": (w.provider if s == "own" else factories.OrganizationFactory()).slug,
                       "seat": "Moers"},
         {"own": {"provider_editor", "moderator"}, "other": MODERATOR}),
    Case("membershipCreate",
         lambda w, s: {"organization": factories.OrganizationFactory(kind="association").slug,
                       "memberMunicipality": place(w, s).ags},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("membershipUpdate", lambda w, s: {"id": gid(membership_of(w, s)), "note": "seit 2020"},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("membershipDelete", lambda w, s: {"id": gid(membership_of(w, s))},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("collaborationCreate",
         lambda w, s: {"title": "IKZ", "slug": f"ikz-{s}", "topic": "OZG",
                       "leadMunicipality": place(w, s).ags},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("collaborationUpdate",
         lambda w, s: {"id": collaboration_led_by(w, s).slug, "status": "COMPLETED"},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
    Case("collaborationDelete", lambda w, s: {"id": collaboration_led_by(w, s).slug},
         {"own": OWN_EDITORS, "other": OTHER_SIDE}),
]


def _persona_api(request, api_as, persona: str):
    if persona == "anonymous":
        return api_as(None)
    if persona in ("read_token", "write_token"):
        user = request.getfixturevalue("own_editor")
        scope = TokenScope.READ if persona == "read_token" else TokenScope.READ_WRITE
        return api_as(user, scope=scope)
    return api_as(request.getfixturevalue(persona))


def _footprint() -> tuple[int, ...]:
    """Counts that any write changes: outbox events and the history of every model."""
    from django.apps import apps

    history = [m.objects.count() for m in apps.get_app_config("hub").get_models()
               if m.__name__.startswith("Historical")]
    return (OutboxEvent.objects.count(), *history)


@pytest.mark.parametrize("side", ["own", "other"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.mutation)
def test_permission_matrix(request, api_as, world, case: Case, persona: str, side: str):
    api = _persona_api(request, api_as, persona)
    variables = {"input": case.input(world, side)}
    before = _footprint()
    result = api(case.query(), variables)
    if persona in case.allowed[side]:
        assert "errors" not in result, result
        assert result["data"][case.mutation]["errors"] == []
    else:
        assert codes_of(result) == ["PERMISSION_DENIED"], result
        assert result["data"][case.mutation] is None
        assert _footprint() == before


def test_provider_may_withdraw_its_own_proposal_but_not_a_confirmed_usage(
        api_as, world, provider_editor):
    api = api_as(provider_editor)
    proposal = usage_at(world, "own", is_confirmed=False)
    confirmed = usage_at(world, "own", is_confirmed=True)
    query = CASES[4].query()
    assert api(query, {"input": {"id": gid(proposal)}})["data"]["usageDelete"]["errors"] == []
    assert codes_of(api(query, {"input": {"id": gid(confirmed)}})) == ["PERMISSION_DENIED"]
    assert Usage.objects.filter(pk=confirmed.pk).exists()


def test_provider_cannot_make_a_municipality_its_client(api_as, world, provider_editor):
    """Memberships grant providers their rights, so only the member side may create one."""
    api = api_as(provider_editor)
    query = CASES[16].query()
    result = api(query, {"input": {"organization": world.provider.slug,
                                   "memberMunicipality": world.other.ags, "role": "CLIENT"}})
    assert codes_of(result) == ["PERMISSION_DENIED"]
    assert not Membership.objects.filter(member_municipality=world.other).exists()


def test_organization_editor_cannot_change_its_kind(api_as, world, provider_editor):
    """An association turned IT provider would gain rights over its member municipalities."""
    api = api_as(provider_editor)
    result = api(CASES[15].query(), {"input": {"id": world.provider.slug, "kind": "VENDOR"}})
    assert codes_of(result) == ["PERMISSION_DENIED"]
    world.provider.refresh_from_db()
    assert world.provider.kind == "it_provider"


def test_vendor_editor_cannot_hand_a_product_to_another_vendor(api_as, world, provider_editor):
    software = vendor_software(world, "own")
    other_vendor = factories.OrganizationFactory(kind="vendor")
    result = api_as(provider_editor)(CASES[11].query(), {"input": {
        "id": software.slug, "vendor": other_vendor.slug}})
    assert codes_of(result) == ["PERMISSION_DENIED"]
    software.refresh_from_db()
    assert software.vendor == world.provider


def test_editor_cannot_move_a_collaboration_to_a_lead_it_does_not_edit(api_as, world, own_editor):
    collaboration = collaboration_led_by(world, "own")
    result = api_as(own_editor)(CASES[20].query(), {"input": {
        "id": collaboration.slug, "leadMunicipality": world.other.ags}})
    assert codes_of(result) == ["PERMISSION_DENIED"]
    collaboration.refresh_from_db()
    assert collaboration.lead_municipality == world.own
