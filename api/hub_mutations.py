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
from api.mutations import ApiMutation, require, target, values
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


def _usage_refs(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    refs = keys.Resolver(prefix)
    resolved: dict[str, Any] = {}
    if "operated_by" in data:
        resolved["operated_by"] = refs.one("Organization", data.pop("operated_by"), "operatedBy")
    if "contact" in data:
        resolved["contact"] = refs.one("Contact", data.pop("contact"), "contact")
    if "services" in data:
        resolved["services"] = refs.many("Service", data.pop("services"), "services")
    if "successor" in data:
        resolved["successor"] = refs.one("Software", data.pop("successor"), "successor")
    if "software" in data:
        resolved["software"] = refs.one("Software", data.pop("software"), "software")
    refs.check()
    return values(models.Usage, data) | resolved


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


class UsageUpdate(ApiMutation):
    """Change a usage. A change by the municipality's own editors also confirms it."""

    class Input(_UsageFields):
        id = graphene.ID(required=True)

    usage = graphene.Field(Usage)

    @classmethod
    def perform(cls, info, user, id, **data):
        usage = target("Usage", id)
        require(permissions.can_change_usage(user, usage))
        return cls.done(usage=services.usage_update(actor=user, usage=usage, **_usage_refs(data)))


class UsageRetire(ApiMutation):
    """Retire a usage, keeping it as history; `successor` records what replaced it."""

    class Input:
        id = graphene.ID(required=True)
        until = graphene.Date()
        successor = graphene.ID(description="Software slug or global ID.")
        notes = graphene.String()

    usage = graphene.Field(Usage)

    @classmethod
    def perform(cls, info, user, id, **data):
        usage = target("Usage", id)
        require(permissions.can_change_usage(user, usage))
        return cls.done(usage=services.usage_retire(actor=user, usage=usage, **_usage_refs(data)))


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


class UsageDelete(ApiMutation):
    """Delete a usage entered by mistake (retire it instead to keep history)."""

    class Input:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID()

    @classmethod
    def perform(cls, info, user, id):
        usage = target("Usage", id)
        require(permissions.can_delete_usage(user, usage))
        services.usage_delete(actor=user, usage=usage)
        return cls.done(deleted_id=id)


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

class MunicipalityUpdate(ApiMutation):
    """Edit a municipality's profile (official keys and names are kept by moderators)."""

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

    @classmethod
    def perform(cls, info, user, id, **data):
        place = target("Municipality", id)
        require(permissions.can_edit_municipality(user, place))
        return cls.done(municipality=services.municipality_update(
            actor=user, municipality=place, **values(models.Municipality, data)))


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


class ContactUpdate(ApiMutation):
    class Input(_ContactFields):
        id = graphene.ID(required=True)

    contact = graphene.Field(Contact)

    @classmethod
    def perform(cls, info, user, id, **data):
        contact = target("Contact", id)
        require(permissions.can_change_contact(user, contact))
        return cls.done(contact=services.contact_update(
            actor=user, contact=contact, **values(models.Contact, data)))


class ContactDelete(ApiMutation):
    class Input:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID()

    @classmethod
    def perform(cls, info, user, id):
        contact = target("Contact", id)
        require(permissions.can_change_contact(user, contact))
        services.contact_delete(actor=user, contact=contact)
        return cls.done(deleted_id=id)


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


def _software_values(data: dict[str, Any]) -> dict[str, Any]:
    refs = keys.Resolver()
    resolved = {}
    if "category" in data:
        resolved["category"] = refs.one("SoftwareCategory", data.pop("category"), "category")
    if "vendor" in data:
        resolved["vendor"] = refs.one("Organization", data.pop("vendor"), "vendor")
    refs.check()
    return values(models.Software, data) | resolved


class SoftwareCreate(ApiMutation):
    """Add a product to the catalogue (editors and moderators)."""

    class Input(_SoftwareFields):
        name = graphene.String(required=True)
        slug = graphene.String(required=True)
        category = graphene.ID(required=True, description="Category slug or global ID.")

    software = graphene.Field(Software)

    @classmethod
    def perform(cls, info, user, **data):
        require(permissions.can_create_software(user))
        return cls.done(software=services.software_create(actor=user, **_software_values(data)))


class SoftwareUpdate(ApiMutation):
    """Edit a product (moderators, and the editors of its vendor)."""

    class Input(_SoftwareFields):
        id = graphene.ID(required=True, description="Slug or global ID.")

    software = graphene.Field(Software)

    @classmethod
    def perform(cls, info, user, id, **data):
        software = target("Software", id)
        require(permissions.can_edit_software(user, software))
        fields = _software_values(data)
        if "vendor" in fields:
            require(permissions.is_moderator(user) or (
                fields["vendor"] is not None
                and permissions.can_edit_organization(user, fields["vendor"])))
        return cls.done(software=services.software_update(actor=user, software=software, **fields))


class _ServiceFields:
    kind = enums.ServiceKind()
    name = graphene.String()
    leika_key = graphene.String()
    ozg_id = graphene.String()
    typisierung = graphene.String()
    description = graphene.String()
    ozg_service = graphene.ID(description="OZG id or global ID of the OZG-Leistung.")


def _service_values(data: dict[str, Any]) -> dict[str, Any]:
    refs = keys.Resolver()
    resolved = {}
    if "ozg_service" in data:
        resolved["ozg_service"] = refs.one("Service", data.pop("ozg_service"), "ozgService")
    refs.check()
    fields = values(models.Service, data) | resolved
    if fields.get("leika_key") == "":
        fields["leika_key"] = None
    return fields


class ServiceCreate(ApiMutation):
    """Add a service to the OZG/LeiKa catalogue (moderators)."""

    class Input(_ServiceFields):
        kind = enums.ServiceKind(required=True)
        name = graphene.String(required=True)

    service = graphene.Field(Service)

    @classmethod
    def perform(cls, info, user, **data):
        require(permissions.can_edit_service(user))
        return cls.done(service=services.service_create(actor=user, **_service_values(data)))


class ServiceUpdate(ApiMutation):
    class Input(_ServiceFields):
        id = graphene.ID(required=True, description="LeiKa key, OZG id or global ID.")

    service = graphene.Field(Service)

    @classmethod
    def perform(cls, info, user, id, **data):
        service = target("Service", id)
        require(permissions.can_edit_service(user))
        return cls.done(service=services.service_update(
            actor=user, service=service, **_service_values(data)))


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


class OrganizationCreate(ApiMutation):
    """Add an organisation (moderators)."""

    class Input(_OrganizationFields):
        name = graphene.String(required=True)
        slug = graphene.String(required=True)
        kind = enums.OrganizationKind(required=True)

    organization = graphene.Field(Organization)

    @classmethod
    def perform(cls, info, user, **data):
        require(permissions.can_create_organization(user))
        return cls.done(organization=services.organization_create(
            actor=user, **values(models.Organization, data)))


class OrganizationUpdate(ApiMutation):
    """Edit an organisation (its editors and moderators). Only moderators change its kind:
    turning an association into an IT provider would grant rights over its members."""

    class Input(_OrganizationFields):
        id = graphene.ID(required=True, description="Slug or global ID.")

    organization = graphene.Field(Organization)

    @classmethod
    def perform(cls, info, user, id, **data):
        organization = target("Organization", id)
        require(permissions.can_edit_organization(user, organization))
        fields = values(models.Organization, data)
        if fields.get("kind", organization.kind) != organization.kind:
            require(permissions.is_moderator(user))
        return cls.done(organization=services.organization_update(
            actor=user, organization=organization, **fields))


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


class MembershipUpdate(ApiMutation):
    class Input:
        id = graphene.ID(required=True)
        role = enums.MembershipRole()
        since = graphene.Date()
        until = graphene.Date()
        note = graphene.String()
        source_url = graphene.String()

    membership = graphene.Field(Membership)

    @classmethod
    def perform(cls, info, user, id, **data):
        membership = target("Membership", id)
        require(permissions.can_manage_membership(user, membership))
        return cls.done(membership=services.membership_update(
            actor=user, membership=membership, **values(models.Membership, data)))


class MembershipDelete(ApiMutation):
    class Input:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID()

    @classmethod
    def perform(cls, info, user, id):
        membership = target("Membership", id)
        require(permissions.can_manage_membership(user, membership))
        services.membership_delete(actor=user, membership=membership)
        return cls.done(deleted_id=id)


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


_COLLABORATION_REFS = {
    "lead_municipality": ("Municipality", "leadMunicipality", False),
    "lead_organization": ("Organization", "leadOrganization", False),
    "municipalities": ("Municipality", "municipalities", True),
    "organizations": ("Organization", "organizations", True),
    "software": ("Software", "software", True),
    "services": ("Service", "services", True),
}


def _collaboration_values(data: dict[str, Any]) -> dict[str, Any]:
    refs = keys.Resolver()
    resolved = {}
    for key, (type_name, field, many) in _COLLABORATION_REFS.items():
        if key in data:
            resolve = refs.many if many else refs.one
            resolved[key] = resolve(type_name, data.pop(key), field)
    refs.check()
    return values(models.Collaboration, data) | resolved


def _lead_allowed(user, fields: dict[str, Any], current: models.Collaboration | None) -> bool:
    """The actor must be able to edit the collaboration as it will be after the change."""
    draft = models.Collaboration(
        lead_municipality=fields.get("lead_municipality",
                                     current.lead_municipality if current else None),
        lead_organization=fields.get("lead_organization",
                                     current.lead_organization if current else None))
    return permissions.can_edit_collaboration(user, draft)


class CollaborationCreate(ApiMutation):
    """Start a collaboration led by a municipality or organisation you edit."""

    class Input(_CollaborationFields):
        title = graphene.String(required=True)
        slug = graphene.String(required=True)
        topic = enums.CollaborationTopic(required=True)

    collaboration = graphene.Field(Collaboration)

    @classmethod
    def perform(cls, info, user, **data):
        require(permissions.is_moderator(user) or permissions.is_editor(user))
        fields = _collaboration_values(data)
        require(_lead_allowed(user, fields, None))
        return cls.done(collaboration=services.collaboration_create(actor=user, **fields))


class CollaborationUpdate(ApiMutation):
    class Input(_CollaborationFields):
        id = graphene.ID(required=True, description="Slug or global ID.")

    collaboration = graphene.Field(Collaboration)

    @classmethod
    def perform(cls, info, user, id, **data):
        collaboration = target("Collaboration", id)
        require(permissions.can_edit_collaboration(user, collaboration))
        fields = _collaboration_values(data)
        require(_lead_allowed(user, fields, collaboration))
        return cls.done(collaboration=services.collaboration_update(
            actor=user, collaboration=collaboration, **fields))


class CollaborationDelete(ApiMutation):
    class Input:
        id = graphene.ID(required=True, description="Slug or global ID.")

    deleted_id = graphene.ID()

    @classmethod
    def perform(cls, info, user, id):
        collaboration = target("Collaboration", id)
        require(permissions.can_edit_collaboration(user, collaboration))
        services.collaboration_delete(actor=user, collaboration=collaboration)
        return cls.done(deleted_id=id)


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
