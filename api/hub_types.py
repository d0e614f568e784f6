"""GraphQL types and root queries of the hub domain: municipalities, organisations,
memberships, software, services, usages, collaborations, contacts.

Every list is a Relay connection with `totalCount`; lists inside objects load through
`api.optimize` (prefetched, sliced, visibility applied), root lists through selectors and
django-filter FilterSets. What a viewer may see is decided by hub.selectors and
hub.permissions, never here.
"""

from __future__ import annotations

import graphene
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from graphene import relay
from graphene.types.resolver import attr_resolver
from graphene_django import DjangoObjectType

from api import enums, filters, keys
from api.fields import (
    CountableConnection,
    FilterConnectionField,
    ListConnectionField,
    enum_field,
)
from api.optimize import (
    Annotate,
    Columns,
    Join,
    Page,
    Prefetch,
    annotated,
    optimize,
    register,
    related,
)
from hub import models, permissions, selectors
from hub.permissions import User


def _cached(info, key: str, compute):
    """A per-request answer (e.g. "may this viewer see contact details?"), so a page of 100
    contacts asks the database once, not 100 times."""
    request = info.context
    memo = getattr(request, "_api_memo", None)
    if memo is None:
        memo = request._api_memo = {}
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _list(type_name: str, field: str, of: str, description: str) -> ListConnectionField:
    """A connection field on `type_name` whose rows load by the plan registered for `field`."""
    return ListConnectionField(
        lambda: _TYPES[of], description=description,
        resolver=lambda root, info, **_: related(root, info, type_name, field))


class _Meta:
    interfaces = (relay.Node,)
    connection_class = CountableConnection
    convert_choices_to_enum = False
    # Rows are model instances, never dicts: skip graphene's per-field isinstance(dict).
    default_resolver = attr_resolver


class HubObjectType(DjangoObjectType):
    """Base of the hub's types: `node(id:)` loads through `get_queryset` (visibility) and the
    N+1 planner, like every other way to reach an object."""

    class Meta:
        abstract = True

    @classmethod
    def is_type_of(cls, root, info) -> bool:
        # graphql-core asks this for every object it completes (12,000 times for a page of
        # 100 portfolios); the exact model class answers it without graphene-django's checks.
        return type(root) is cls._meta.model or super().is_type_of(root, info)

    @classmethod
    def get_node(cls, info, id):
        if not str(id).isdigit():
            return None
        queryset = cls.get_queryset(cls._meta.model.objects.all(), info)
        return optimize(queryset.filter(pk=id), info, cls.__name__, connection=False).first()


class State(HubObjectType):
    """A Land (Bundesland)."""

    class Meta(_Meta):
        model = models.State
        fields = ("code", "name")


class Themenfeld(HubObjectType):
    """An OZG Themenfeld."""

    class Meta(_Meta):
        model = models.Themenfeld
        fields = ("number", "name")


class Lebenslage(HubObjectType):
    """An OZG Lebenslage (or Unternehmenslage)."""

    class Meta(_Meta):
        model = models.Lebenslage
        fields = ("number", "name", "themenfeld")


class SoftwareCategory(HubObjectType):
    """A category of the controlled software taxonomy."""

    class Meta(_Meta):
        model = models.SoftwareCategory
        fields = ("name", "slug", "description", "position")

    software = _list("SoftwareCategory", "software", "Software", "Products in this category.")


class Municipality(HubObjectType):
    """A Kommune (Gemeinde, Stadt or Kreis), keyed by its AGS."""

    class Meta(_Meta):
        model = models.Municipality
        fields = ("ags", "ars", "name", "short_name", "population", "postal_code", "website",
                  "latitude", "longitude", "description", "dissolved_on", "is_demo",
                  "created_at", "updated_at")

    kind = enum_field(enums.MunicipalityKind, "kind", required=True)
    display_name = graphene.String(required=True)
    area_km2 = graphene.Float()
    state = graphene.Field(State, required=True)
    kreis = graphene.Field(lambda: Municipality, description="The Kreis it belongs to.")
    merged_into = graphene.Field(lambda: Municipality)
    usages = _list("Municipality", "usages", "Usage",
                   "Software it uses, plans, evaluates or retired (as far as you may see).")
    contacts = _list("Municipality", "contacts", "Contact", "People to ask.")
    memberships = _list("Municipality", "memberships", "Membership",
                        "Organisations it belongs to or is served by.")
    collaborations = _list("Municipality", "collaborations", "Collaboration",
                           "Collaborations it takes part in.")
    children = _list("Municipality", "children", "Municipality",
                     "For a Kreis: its Gemeinden and Städte.")

    def resolve_kreis(root: models.Municipality, info):
        return root.parent

    def resolve_area_km2(root: models.Municipality, info):
        return None if root.area_km2 is None else float(root.area_km2)


class Organization(HubObjectType):
    """An IT provider, association, vendor, Zweckverband or Land body."""

    class Meta(_Meta):
        model = models.Organization
        fields = ("name", "slug", "legal_form", "seat", "website", "description", "aliases",
                  "source_url", "is_demo", "created_at", "updated_at")

    kind = enum_field(enums.OrganizationKind, "kind", required=True)
    members = _list("Organization", "members", "Membership", "Its members and clients.")
    member_of = _list("Organization", "memberOf", "Membership", "Organisations it belongs to.")
    products = _list("Organization", "products", "Software", "Software it makes (vendors).")
    contacts = _list("Organization", "contacts", "Contact", "People to ask.")
    collaborations = _list("Organization", "collaborations", "Collaboration",
                           "Collaborations it takes part in.")


class Membership(HubObjectType):
    """A municipality or an organisation belongs to (or is served by) an organisation."""

    class Meta(_Meta):
        model = models.Membership
        fields = ("since", "until", "note", "source_url")

    role = enum_field(enums.MembershipRole, "role", required=True)
    organization = graphene.Field(Organization, required=True)
    member_municipality = graphene.Field(Municipality)
    member_organization = graphene.Field(Organization)


class Software(HubObjectType):
    """A software product."""

    class Meta(_Meta):
        model = models.Software
        fields = ("name", "slug", "licence", "is_open_source", "homepage", "repository_url",
                  "publiccode_url", "description", "aliases", "platforms", "is_demo",
                  "created_at", "updated_at")

    vendor = graphene.Field(Organization)
    category = graphene.Field(SoftwareCategory, required=True)
    usage_count = graphene.Int(required=True, description=(
        "Municipalities actively using it (evaluating to production), as far as you may see."))
    usages = _list("Software", "usages", "Usage", "Its usages (as far as you may see).")
    collaborations = _list("Software", "collaborations", "Collaboration",
                           "Collaborations about it.")

    def resolve_usage_count(root: models.Software, info) -> int:
        return annotated(root, info, "Software", "usageCount")


class Service(HubObjectType):
    """A public service: an OZG-Leistung or a LeiKa-Leistung."""

    class Meta(_Meta):
        model = models.Service
        fields = ("name", "leika_key", "ozg_id", "typisierung", "description",
                  "created_at", "updated_at")

    kind = enum_field(enums.ServiceKind, "kind", required=True)
    ozg_service = graphene.Field(lambda: Service, description="For a LeiKa-Leistung: its OZG-Leistung.")
    themenfeld = graphene.Field(Themenfeld)
    lebenslage = graphene.Field(Lebenslage)
    leika_services = _list("Service", "leikaServices", "Service",
                           "For an OZG-Leistung: its LeiKa-Leistungen.")
    usages = _list("Service", "usages", "Usage", "Usages that provide this service.")


class Contact(HubObjectType):
    """A person to ask. Email and phone are null unless you are a member."""

    class Meta(_Meta):
        model = models.Contact
        fields = ("name", "role")

    email = graphene.String(description="Null for anonymous users and vendors.")
    phone = graphene.String(description="Null for anonymous users and vendors.")
    municipality = graphene.Field(Municipality)
    organization = graphene.Field(Organization)

    def resolve_email(root: models.Contact, info) -> str | None:
        return root.email if _may_see_contact_details(info) else None

    def resolve_phone(root: models.Contact, info) -> str | None:
        return root.phone if _may_see_contact_details(info) else None


def _may_see_contact_details(info) -> bool:
    return _cached(info, "contact_details",
                   lambda: permissions.can_see_contact_details(info.context.user))


class Usage(HubObjectType):
    """A municipality uses (or plans, evaluates, retired) a software product."""

    class Meta(_Meta):
        model = models.Usage
        fields = ("since", "until", "satisfaction", "notes", "source_url", "source_note",
                  "is_confirmed", "last_confirmed_at", "target_date",
                  "open_to_joint_procurement", "is_demo", "created_at", "updated_at")

    status = enum_field(enums.UsageStatus, "status", required=True)
    visibility = enum_field(enums.Visibility, "visibility", required=True)
    source = enum_field(enums.UsageSource, "source", required=True)
    is_stale = graphene.Boolean(required=True, description=(
        "Active but not confirmed by the municipality for 18 months."))
    municipality = graphene.Field(Municipality, required=True)
    software = graphene.Field(Software, required=True)
    operated_by = graphene.Field(Organization)
    contact = graphene.Field(Contact)
    successor = graphene.Field(Software, description="For a retired usage: what replaced it.")
    services = _list("Usage", "services", "Service", "Services this usage provides.")

    @classmethod
    def get_queryset(cls, queryset, info):
        if isinstance(queryset, QuerySet):
            queryset = queryset.filter(selectors.usage_visibility_q(info.context.user))
        return queryset


class Collaboration(HubObjectType):
    """An inter-municipal project (interkommunale Zusammenarbeit)."""

    class Meta(_Meta):
        model = models.Collaboration
        fields = ("title", "slug", "description", "start", "end", "is_demo",
                  "created_at", "updated_at")

    topic = enum_field(enums.CollaborationTopic, "topic", required=True)
    status = enum_field(enums.CollaborationStatus, "status", required=True)
    visibility = enum_field(enums.Visibility, "visibility", required=True)
    lead_municipality = graphene.Field(Municipality)
    lead_organization = graphene.Field(Organization)
    municipalities = _list("Collaboration", "municipalities", "Municipality", "Participants.")
    organizations = _list("Collaboration", "organizations", "Organization", "Participants.")
    software = _list("Collaboration", "software", "Software", "Software it is about.")
    services = _list("Collaboration", "services", "Service", "Services it is about.")

    @classmethod
    def get_queryset(cls, queryset, info):
        if isinstance(queryset, QuerySet):
            queryset = queryset.filter(selectors.collaboration_visibility_q(info.context.user))
        return queryset


_TYPES: dict[str, type[HubObjectType]] = {
    t.__name__: t for t in (State, Themenfeld, Lebenslage, SoftwareCategory, Municipality,
                            Organization, Membership, Software, Service, Contact, Usage,
                            Collaboration)
}


def _usages(user: User) -> QuerySet[models.Usage]:
    return models.Usage.objects.filter(selectors.usage_visibility_q(user))


def _collaborations(user: User) -> QuerySet[models.Collaboration]:
    return models.Collaboration.objects.filter(selectors.collaboration_visibility_q(user))


def _active_usage_count(user: User) -> Coalesce:
    rows = (_usages(user).filter(software=OuterRef("pk"))
            .exclude(status=models.UsageStatus.RETIRED).order_by()
            .values("software").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _all(model):
    return lambda user: model.objects.all()


register("Lebenslage", themenfeld=Join("themenfeld", "Themenfeld"))
register("SoftwareCategory",
         software=Prefetch("software", "Software", _all(models.Software), "category"))
register("Municipality",
         displayName=Columns(("name", "short_name")),
         state=Join("state", "State"), kreis=Join("parent", "Municipality"),
         mergedInto=Join("merged_into", "Municipality"),
         usages=Prefetch("usages", "Usage", _usages, "municipality"),
         contacts=Prefetch("contacts", "Contact", _all(models.Contact), "municipality"),
         memberships=Prefetch("memberships", "Membership", _all(models.Membership),
                              "member_municipality"),
         collaborations=Prefetch("collaborations", "Collaboration", _collaborations,
                                 "municipalities"),
         children=Prefetch("children", "Municipality", _all(models.Municipality), "parent"))
register("Organization",
         members=Prefetch("memberships", "Membership", _all(models.Membership), "organization"),
         memberOf=Prefetch("member_of", "Membership", _all(models.Membership),
                           "member_organization"),
         products=Prefetch("products", "Software", _all(models.Software), "vendor"),
         contacts=Prefetch("contacts", "Contact", _all(models.Contact), "organization"),
         collaborations=Prefetch("collaborations", "Collaboration", _collaborations,
                                 "organizations"))
register("Membership",
         organization=Join("organization", "Organization"),
         memberMunicipality=Join("member_municipality", "Municipality"),
         memberOrganization=Join("member_organization", "Organization"))
register("Software",
         vendor=Join("vendor", "Organization"), category=Join("category", "SoftwareCategory"),
         usageCount=Annotate("_api_usage_count", _active_usage_count),
         usages=Prefetch("usages", "Usage", _usages, "software"),
         collaborations=Prefetch("collaborations", "Collaboration", _collaborations, "software"))
register("Service",
         ozgService=Join("ozg_service", "Service"), themenfeld=Join("themenfeld", "Themenfeld"),
         lebenslage=Join("lebenslage", "Lebenslage"),
         leikaServices=Prefetch("leika_services", "Service", _all(models.Service), "ozg_service"),
         usages=Prefetch("usages", "Usage", _usages, "services"))
register("Contact",
         municipality=Join("municipality", "Municipality"),
         organization=Join("organization", "Organization"))
register("Usage",
         isStale=Columns(("status", "last_confirmed_at")),
         municipality=Join("municipality", "Municipality"), software=Join("software", "Software"),
         operatedBy=Join("operated_by", "Organization"), contact=Join("contact", "Contact"),
         successor=Join("successor", "Software"),
         services=Prefetch("services", "Service", _all(models.Service), "usages"))
register("Collaboration",
         leadMunicipality=Join("lead_municipality", "Municipality"),
         leadOrganization=Join("lead_organization", "Organization"),
         municipalities=Prefetch("municipalities", "Municipality", _all(models.Municipality),
                                 "collaborations"),
         organizations=Prefetch("organizations", "Organization", _all(models.Organization),
                                "collaborations"),
         software=Prefetch("software", "Software", _all(models.Software), "collaborations"),
         services=Prefetch("services", "Service", _all(models.Service), "collaborations"))


class Viewer(graphene.ObjectType):
    """Who is asking, and what they may do."""

    is_authenticated = graphene.Boolean(required=True)
    username = graphene.String()
    is_moderator = graphene.Boolean(required=True)
    is_member = graphene.Boolean(required=True, description="Reads members-only data.")
    token_scope = graphene.String(description="READ or READ_WRITE when a token is used.")
    editable_municipalities = ListConnectionField(
        Municipality, description="Municipalities whose profile, usages and contacts you edit.")
    editable_organizations = ListConnectionField(
        Organization, description="Organisations you edit (IT providers record usages for "
                                  "the municipalities they serve).")

    def resolve_is_authenticated(user: User, info) -> bool:
        return user.is_authenticated

    def resolve_username(user: User, info) -> str | None:
        return user.get_username() if user.is_authenticated else None

    def resolve_is_moderator(user: User, info) -> bool:
        return permissions.is_moderator(user)

    def resolve_is_member(user: User, info) -> bool:
        return permissions.is_member(user)

    def resolve_token_scope(user: User, info) -> str | None:
        token = getattr(info.context, "api_token", None)
        return token.scope.upper() if token else None

    def resolve_editable_municipalities(user: User, info, **_) -> Page:
        return _page(optimize(permissions.edited_municipalities(user), info, "Municipality"))

    def resolve_editable_organizations(user: User, info, **_) -> Page:
        return _page(optimize(permissions.edited_organizations(user), info, "Organization"))


def _page(queryset: QuerySet) -> Page:
    page = Page(queryset)
    page.total = len(page)
    return page


def _one(queryset: QuerySet, info, type_name: str):
    return optimize(queryset, info, type_name, connection=False).first()


class HubQuery(graphene.ObjectType):
    """Root fields of the hub domain; api.schema mixes this into the root Query."""

    viewer = graphene.Field(Viewer, required=True)
    municipality = graphene.Field(Municipality, ags=graphene.String(required=True),
                                  description="A municipality by its AGS, e.g. 05117000.")
    municipalities = FilterConnectionField(Municipality, filterset_class=filters.MunicipalityFilter)
    software = graphene.Field(Software, slug=graphene.String(required=True),
                              description="A product by its slug.")
    software_list = FilterConnectionField(Software, filterset_class=filters.SoftwareFilter)
    service = graphene.Field(Service, leika_key=graphene.String(), ozg_id=graphene.String(),
                             description="A service by LeiKa key or OZG id.")
    services = FilterConnectionField(Service, filterset_class=filters.ServiceFilter)
    organization = graphene.Field(Organization, slug=graphene.String(required=True))
    organizations = FilterConnectionField(Organization, filterset_class=filters.OrganizationFilter)
    collaboration = graphene.Field(Collaboration, id=graphene.ID(), slug=graphene.String(),
                                   description="A collaboration by global ID or slug.")
    collaborations = FilterConnectionField(Collaboration,
                                           filterset_class=filters.CollaborationFilter)
    usages = FilterConnectionField(Usage, filterset_class=filters.UsageFilter)
    category = graphene.Field(SoftwareCategory, slug=graphene.String(required=True))
    categories = ListConnectionField(SoftwareCategory)
    states = ListConnectionField(State)

    def resolve_viewer(root, info) -> User:
        return info.context.user

    def resolve_municipality(root, info, ags: str):
        return _one(models.Municipality.objects.filter(ags=ags), info, "Municipality")

    def resolve_municipalities(root, info, **_):
        return optimize(selectors.municipality_list(), info, "Municipality")

    def resolve_software(root, info, slug: str):
        return _one(models.Software.objects.filter(slug=slug), info, "Software")

    def resolve_software_list(root, info, **_):
        return optimize(models.Software.objects.all(), info, "Software")

    def resolve_service(root, info, leika_key: str | None = None, ozg_id: str | None = None):
        if leika_key:
            return _one(models.Service.objects.filter(leika_key=leika_key), info, "Service")
        if ozg_id:
            return _one(models.Service.objects.filter(ozg_id=ozg_id, kind=models.ServiceKind.OZG),
                        info, "Service")
        return None

    def resolve_services(root, info, **_):
        return optimize(selectors.service_list(), info, "Service")

    def resolve_organization(root, info, slug: str):
        return _one(models.Organization.objects.filter(slug=slug), info, "Organization")

    def resolve_organizations(root, info, **_):
        return optimize(models.Organization.objects.all(), info, "Organization")

    def resolve_collaboration(root, info, id: str | None = None, slug: str | None = None):
        queryset = selectors.collaboration_list(user=info.context.user)
        if id:
            pk = keys.pk_from_global_id(id, "Collaboration")
            return None if pk is None else _one(queryset.filter(pk=pk), info, "Collaboration")
        if slug:
            return _one(queryset.filter(slug=slug), info, "Collaboration")
        return None

    def resolve_collaborations(root, info, **_):
        return optimize(selectors.collaboration_list(user=info.context.user), info,
                        "Collaboration")

    def resolve_usages(root, info, **_):
        return optimize(_usages(info.context.user), info, "Usage")

    def resolve_category(root, info, slug: str):
        return _one(models.SoftwareCategory.objects.filter(slug=slug), info, "SoftwareCategory")

    def resolve_categories(root, info, **_) -> Page:
        return _page(optimize(models.SoftwareCategory.objects.all(), info, "SoftwareCategory"))

    def resolve_states(root, info, **_) -> Page:
        return _page(optimize(models.State.objects.all(), info, "State"))
