"""Mutations of the hub domain, Relay style: one `input` argument, related objects by natural
key (AGS, slug, LeiKa key, OZG id) or global ID, and one payload shape everywhere — the object,
or `errors { field message code }`.

Each mutation resolves its objects, asks hub.permissions, and calls one service. Refusals are
top-level GraphQL errors with code PERMISSION_DENIED, raised before anything is written and
inside a transaction, so a refused mutation changes nothing.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from api import enums, keys
from api.errors import InputError, from_validation_error
from api.hub_types import (
    Collaboration,
    Contact,
    Membership,
    Municipality,
    Organization,
    Service,
    Software,
    Usage,
)
from api.mutations import (
    ApiMutation,
    CreateMutation,
    DeleteMutation,
    Refs,
    UpdateMutation,
    require,
    resolve_refs,
    target,
    values,
)
from hub import models, permissions, services

# --- Usages ---------------------------------------------------------------------------------

class _UsageFields:
    status = enums.UsageStatus()
    since = graphene.Date()
    until = graphene.Date()
    satisfaction = graphene.Int(description="1 to 5.")
    notes = graphene.String()
    visibility = enums.Visibility()
    operated_by = graphene.ID(description="Organisation slug or global ID.")
    contact = graphene.ID(description="Global ID of a contact.")
    services = graphene.List(graphene.NonNull(graphene.ID),
                             description="LeiKa keys, OZG ids or global IDs.")
    source_url = graphene.String()
    source_note = graphene.String()
    target_date = graphene.Date()
    open_to_joint_procurement = graphene.Boolean()


_USAGE_REFS: Refs = {
    "operated_by": ("Organization", "operatedBy", False),
    "contact": ("Contact", "contact", False),
    "services": ("Service", "services", True),
    "successor": ("Software", "successor", False),
    "software": ("Software", "software", False),
}


def _usage_refs(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    return resolve_refs(models.Usage, _USAGE_REFS, data, prefix)


class UsageCreate(ApiMutation):
    """Record that a municipality uses (plans, evaluates, …) a product. Entries by anyone but
    the municipality's own editors stay proposed until it confirms them."""

    class Input(_UsageFields):
        municipality = graphene.ID(required=True, description="AGS or global ID.")
        software = graphene.ID(required=True, description="Software slug or global ID.")

    usage = graphene.Field(Usage)

    @classmethod
    def perform(cls, info, user, municipality, **data):
        place = target("Municipality", municipality, "municipality")
        require(permissions.can_record_usage(user, place))
        fields = _usage_refs(data)
        return cls.done(usage=services.usage_create(actor=user, municipality=place, **fields))


class UsageUpdate(UpdateMutation):
    """Change a usage. A change by the municipality's own editors also confirms it."""

    node, allowed, write = "Usage", permissions.can_change_usage, services.usage_update
    refs = _USAGE_REFS

    class Input(_UsageFields):
        id = graphene.ID(required=True)

    usage = graphene.Field(Usage)


class UsageRetire(UsageUpdate):
    """Retire a usage, keeping it as history; `successor` records what replaced it."""

    write = services.usage_retire

    class Input:
        id = graphene.ID(required=True)
        until = graphene.Date()
        successor = graphene.ID(description="Software slug or global ID.")
        notes = graphene.String()


class UsageConfirm(ApiMutation):
    """The municipality confirms a proposed usage (or re-confirms a stale one)."""

    class Input:
        id = graphene.ID(required=True)

    usage = graphene.Field(Usage)

    @classmethod
    def perform(cls, info, user, id):
        usage = target("Usage", id)
        require(permissions.can_confirm_usage(user, usage))
        return cls.done(usage=services.usage_confirm(actor=user, usage=usage))


class UsageDelete(DeleteMutation):
    """Delete a usage entered by mistake (retire it instead to keep history)."""

    node, allowed, write = "Usage", permissions.can_delete_usage, services.usage_delete

    class Input:
        id = graphene.ID(required=True)


class UsageRowInput(graphene.InputObjectType, _UsageFields):
    software = graphene.ID(required=True, description="Software slug or global ID.")


class UpsertUsages(ApiMutation):
    """Apply a municipality's list of usages all or nothing: each row updates the active
    usage of that product or creates one. Errors name the row: `usages.2.status`."""

    class Input:
        municipality = graphene.ID(required=True, description="AGS or global ID.")
        usages = graphene.List(graphene.NonNull(UsageRowInput), required=True)

    usages = graphene.List(graphene.NonNull(Usage))

    @classmethod
    def perform(cls, info, user, municipality, usages):
        place = target("Municipality", municipality, "municipality")
        require(permissions.can_record_usage(user, place))
        rows, problems = [], []
        for index, row in enumerate(usages):
            try:
                rows.append(_usage_refs(dict(row), prefix=f"usages.{index}."))
            except InputError as exc:
                problems.extend(exc.errors)
        if problems:
            raise InputError(problems)
        try:
            saved = services.usage_upsert_many(actor=user, municipality=place, rows=rows)
        except ValidationError as exc:
            raise InputError(from_validation_error(exc, prefix="usages")) from exc
        return cls.done(usages=saved)


# --- Municipality profile, contacts ---------------------------------------------------------

class MunicipalityUpdate(UpdateMutation):
    """Edit a municipality's profile (official keys and names are kept by moderators)."""

    node, write = "Municipality", services.municipality_update
    allowed = permissions.can_edit_municipality

    class Input:
        id = graphene.ID(required=True, description="AGS or global ID.")
        short_name = graphene.String()
        description = graphene.String()
        website = graphene.String()
        postal_code = graphene.String()
        population = graphene.Int()
        area_km2 = graphene.Decimal()
        latitude = graphene.Float()
        longitude = graphene.Float()

    municipality = graphene.Field(Municipality)


class _ContactFields:
    name = graphene.String()
    role = graphene.String()
    email = graphene.String()
    phone = graphene.String()


class ContactCreate(ApiMutation):
    """Add a contact person to a municipality or an organisation (give exactly one)."""

    class Input(_ContactFields):
        name = graphene.String(required=True)
        municipality = graphene.ID(description="AGS or global ID.")
        organization = graphene.ID(description="Organisation slug or global ID.")

    contact = graphene.Field(Contact)

    @classmethod
    def perform(cls, info, user, municipality=None, organization=None, **data):
        refs = keys.Resolver()
        owner = models.Contact(municipality=refs.one("Municipality", municipality, "municipality"),
                               organization=refs.one("Organization", organization, "organization"))
        refs.check()
        require(permissions.can_change_contact(user, owner))
        return cls.done(contact=services.contact_create(
            actor=user, municipality=owner.municipality, organization=owner.organization,
            **values(models.Contact, data)))


class ContactUpdate(UpdateMutation):
    node, allowed, write = "Contact", permissions.can_change_contact, services.contact_update

    class Input(_ContactFields):
        id = graphene.ID(required=True)

    contact = graphene.Field(Contact)


class ContactDelete(DeleteMutation):
    node, allowed, write = "Contact", permissions.can_change_contact, services.contact_delete

    class Input:
        id = graphene.ID(required=True)


# --- Catalogue: software, services, organisations -------------------------------------------

class _SoftwareFields:
    name = graphene.String()
    slug = graphene.String()
    category = graphene.ID(description="Category slug or global ID.")
    vendor = graphene.ID(description="Organisation slug or global ID.")
    licence = graphene.String()
    is_open_source = graphene.Boolean()
    homepage = graphene.String()
    repository_url = graphene.String()
    publiccode_url = graphene.String()
    description = graphene.String()
    aliases = graphene.String()
    platforms = graphene.String()


_SOFTWARE_REFS: Refs = {
    "category": ("SoftwareCategory", "category", False),
    "vendor": ("Organization", "vendor", False),
}


class SoftwareCreate(CreateMutation):
    """Add a product to the catalogue (editors and moderators)."""

    node, allowed, write = "Software", permissions.can_create_software, services.software_create
    refs = _SOFTWARE_REFS

    class Input(_SoftwareFields):
        name = graphene.String(required=True)
        slug = graphene.String(required=True)
        category = graphene.ID(required=True, description="Category slug or global ID.")

    software = graphene.Field(Software)


class SoftwareUpdate(UpdateMutation):
    """Edit a product (moderators, and the editors of its vendor)."""

    node, allowed, write = "Software", permissions.can_edit_software, services.software_update
    refs = _SOFTWARE_REFS

    class Input(_SoftwareFields):
        id = graphene.ID(required=True, description="Slug or global ID.")

    software = graphene.Field(Software)

    @classmethod
    def check(cls, user, current, fields):
        """Only moderators, or editors of the new vendor, move a product to another vendor."""
        if "vendor" not in fields:
            return True
        return permissions.is_moderator(user) or (
            fields["vendor"] is not None
            and permissions.can_edit_organization(user, fields["vendor"]))


class _ServiceFields:
    kind = enums.ServiceKind()
    name = graphene.String()
    leika_key = graphene.String()
    ozg_id = graphene.String()
    typisierung = graphene.String()
    description = graphene.String()
    ozg_service = graphene.ID(description="OZG id or global ID of the OZG-Leistung.")


def _service_values(data: dict[str, Any]) -> dict[str, Any]:
    fields = resolve_refs(models.Service, {"ozg_service": ("Service", "ozgService", False)}, data)
    if fields.get("leika_key") == "":
        fields["leika_key"] = None
    return fields


class ServiceCreate(CreateMutation):
    """Add a service to the OZG/LeiKa catalogue (moderators)."""

    node, allowed, write = "Service", permissions.can_edit_service, services.service_create
    convert = staticmethod(_service_values)

    class Input(_ServiceFields):
        kind = enums.ServiceKind(required=True)
        name = graphene.String(required=True)

    service = graphene.Field(Service)


class ServiceUpdate(UpdateMutation):
    node, write = "Service", services.service_update
    convert = staticmethod(_service_values)

    class Input(_ServiceFields):
        id = graphene.ID(required=True, description="LeiKa key, OZG id or global ID.")

    service = graphene.Field(Service)

    @staticmethod
    def allowed(user, service) -> bool:
        return permissions.can_edit_service(user)


class _OrganizationFields:
    name = graphene.String()
    slug = graphene.String()
    kind = enums.OrganizationKind()
    legal_form = graphene.String()
    seat = graphene.String()
    website = graphene.String()
    description = graphene.String()
    aliases = graphene.String()
    source_url = graphene.String()


class OrganizationCreate(CreateMutation):
    """Add an organisation (moderators)."""

    node, write = "Organization", services.organization_create
    allowed = permissions.can_create_organization

    class Input(_OrganizationFields):
        name = graphene.String(required=True)
        slug = graphene.String(required=True)
        kind = enums.OrganizationKind(required=True)

    organization = graphene.Field(Organization)


class OrganizationUpdate(UpdateMutation):
    """Edit an organisation (its editors and moderators). Only moderators change its kind:
    turning an association into an IT provider would grant rights over its members."""

    node, write = "Organization", services.organization_update
    allowed = permissions.can_edit_organization

    class Input(_OrganizationFields):
        id = graphene.ID(required=True, description="Slug or global ID.")

    organization = graphene.Field(Organization)

    @classmethod
    def check(cls, user, current, fields):
        return (fields.get("kind", current.kind) == current.kind
                or permissions.is_moderator(user))


# --- Memberships and collaborations ---------------------------------------------------------

class MembershipCreate(ApiMutation):
    """A municipality or organisation joins (or becomes a client of) an organisation. Only the
    member side or a moderator may do this: memberships grant IT providers their rights."""

    class Input:
        organization = graphene.ID(required=True, description="Organisation slug or global ID.")
        member_municipality = graphene.ID(description="AGS or global ID.")
        member_organization = graphene.ID(description="Organisation slug or global ID.")
        role = enums.MembershipRole()
        since = graphene.Date()
        until = graphene.Date()
        note = graphene.String()
        source_url = graphene.String()

    membership = graphene.Field(Membership)

    @classmethod
    def perform(cls, info, user, organization, member_municipality=None,
                member_organization=None, **data):
        refs = keys.Resolver()
        draft = models.Membership(
            organization=refs.one("Organization", organization, "organization"),
            member_municipality=refs.one("Municipality", member_municipality,
                                         "memberMunicipality"),
            member_organization=refs.one("Organization", member_organization,
                                         "memberOrganization"))
        refs.check()
        require(permissions.can_manage_membership(user, draft))
        return cls.done(membership=services.membership_create(
            actor=user, organization=draft.organization,
            member_municipality=draft.member_municipality,
            member_organization=draft.member_organization, **values(models.Membership, data)))


class MembershipUpdate(UpdateMutation):
    node, write = "Membership", services.membership_update
    allowed = permissions.can_manage_membership

    class Input:
        id = graphene.ID(required=True)
        role = enums.MembershipRole()
        since = graphene.Date()
        until = graphene.Date()
        note = graphene.String()
        source_url = graphene.String()

    membership = graphene.Field(Membership)


class MembershipDelete(DeleteMutation):
    node, write = "Membership", services.membership_delete
    allowed = permissions.can_manage_membership

    class Input:
        id = graphene.ID(required=True)


class _CollaborationFields:
    title = graphene.String()
    slug = graphene.String()
    topic = enums.CollaborationTopic()
    status = enums.CollaborationStatus()
    visibility = enums.Visibility()
    lead_municipality = graphene.ID(description="AGS or global ID.")
    lead_organization = graphene.ID(description="Organisation slug or global ID.")
    municipalities = graphene.List(graphene.NonNull(graphene.ID), description="AGS or global IDs.")
    organizations = graphene.List(graphene.NonNull(graphene.ID), description="Slugs or global IDs.")
    software = graphene.List(graphene.NonNull(graphene.ID), description="Slugs or global IDs.")
    services = graphene.List(graphene.NonNull(graphene.ID),
                             description="LeiKa keys, OZG ids or global IDs.")
    start = graphene.Date()
    end = graphene.Date()
    description = graphene.String()


_COLLABORATION_REFS: Refs = {
    "lead_municipality": ("Municipality", "leadMunicipality", False),
    "lead_organization": ("Organization", "leadOrganization", False),
    "municipalities": ("Municipality", "municipalities", True),
    "organizations": ("Organization", "organizations", True),
    "software": ("Software", "software", True),
    "services": ("Service", "services", True),
}


def _lead_allowed(user, current: models.Collaboration | None, fields: dict[str, Any]) -> bool:
    """The actor must be able to edit the collaboration as it will be after the change."""
    draft = models.Collaboration(
        lead_municipality=fields.get("lead_municipality",
                                     current.lead_municipality if current else None),
        lead_organization=fields.get("lead_organization",
                                     current.lead_organization if current else None))
    return permissions.can_edit_collaboration(user, draft)


class CollaborationCreate(CreateMutation):
    """Start a collaboration led by a municipality or organisation you edit."""

    node, write = "Collaboration", services.collaboration_create
    refs = _COLLABORATION_REFS
    check = staticmethod(_lead_allowed)

    class Input(_CollaborationFields):
        title = graphene.String(required=True)
        slug = graphene.String(required=True)
        topic = enums.CollaborationTopic(required=True)

    collaboration = graphene.Field(Collaboration)

    @staticmethod
    def allowed(user) -> bool:
        return permissions.is_moderator(user) or permissions.is_editor(user)


class CollaborationUpdate(UpdateMutation):
    node, write = "Collaboration", services.collaboration_update
    allowed = permissions.can_edit_collaboration
    refs = _COLLABORATION_REFS
    check = staticmethod(_lead_allowed)

    class Input(_CollaborationFields):
        id = graphene.ID(required=True, description="Slug or global ID.")

    collaboration = graphene.Field(Collaboration)


class CollaborationDelete(DeleteMutation):
    node, write = "Collaboration", services.collaboration_delete
    allowed = permissions.can_edit_collaboration

    class Input:
        id = graphene.ID(required=True, description="Slug or global ID.")


class HubMutations(graphene.ObjectType):
    """Root mutation fields of the hub domain; api.schema mixes this into the root Mutation."""

    usage_create = UsageCreate.Field()
    usage_update = UsageUpdate.Field()
    usage_retire = UsageRetire.Field()
    usage_confirm = UsageConfirm.Field()
    usage_delete = UsageDelete.Field()
    upsert_usages = UpsertUsages.Field()
    municipality_update = MunicipalityUpdate.Field()
    contact_create = ContactCreate.Field()
    contact_update = ContactUpdate.Field()
    contact_delete = ContactDelete.Field()
    software_create = SoftwareCreate.Field()
    software_update = SoftwareUpdate.Field()
    service_create = ServiceCreate.Field()
    service_update = ServiceUpdate.Field()
    organization_create = OrganizationCreate.Field()
    organization_update = OrganizationUpdate.Field()
    membership_create = MembershipCreate.Field()
    membership_update = MembershipUpdate.Field()
    membership_delete = MembershipDelete.Field()
    collaboration_create = CollaborationCreate.Field()
    collaboration_update = CollaborationUpdate.Field()
    collaboration_delete = CollaborationDelete.Field()
