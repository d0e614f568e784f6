"""django-filter FilterSets behind the root lists. Filters that look at usages only count
usages the viewer may see, so a filter never reveals a members-only portfolio."""

from __future__ import annotations

import django_filters as df
import graphene
from django.db.models import F, Q, QuerySet
from graphene_django.filter import TypedFilter

from api import enums
from hub import selectors
from hub.models import (
    Collaboration,
    Membership,
    Municipality,
    Organization,
    Service,
    Software,
    Usage,
    UsageStatus,
)


class Ordering(df.OrderingFilter):
    """`orderBy: "-population"`, with empty values last on every database (PostgreSQL puts
    NULLs first when descending, SQLite last) and the primary key as tie-breaker, so cursors
    stay stable across pages."""

    def get_ordering_value(self, param: str):
        descending = param.startswith("-")
        name = self.param_map.get(param.lstrip("-"), param.lstrip("-"))
        return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)

    def filter(self, qs, value):
        ordered = super().filter(qs, value)
        return ordered if ordered is qs else ordered.order_by(*ordered.query.order_by, "pk")


def _visible_active_usages(request) -> QuerySet[Usage]:
    return (Usage.objects.filter(selectors.usage_visibility_q(request.user))
            .exclude(status=UsageStatus.RETIRED))


class MunicipalityFilter(df.FilterSet):
    search = df.CharFilter(method="filter_search", label="Name (part) or AGS prefix.")
    state = df.CharFilter(field_name="state__code", label="Länderschlüssel, e.g. 05.")
    kreis = df.CharFilter(field_name="parent__ags", label="AGS of the Kreis.")
    kind = TypedFilter(input_type=graphene.List(graphene.NonNull(enums.MunicipalityKind)),
                       field_name="kind", lookup_expr="in", label="Any of these kinds.")
    population_min = TypedFilter(input_type=graphene.Int, field_name="population",
                                 lookup_expr="gte", label="At least this many inhabitants.")
    population_max = TypedFilter(input_type=graphene.Int, field_name="population",
                                 lookup_expr="lte", label="At most this many inhabitants.")
    uses_software = df.CharFilter(method="filter_uses_software",
                                  label="Slug of a product the municipality actively uses.")
    uses_software_in_category = df.CharFilter(
        method="filter_uses_category",
        label="Slug of a category in which the municipality actively uses a product.")
    member_of = df.CharFilter(method="filter_member_of",
                              label="Slug of an organisation the municipality belongs to.")
    order_by = Ordering(fields=("name", "ags", "population", "updated_at"),
                                 label="name, ags, population, updatedAt; prefix - to reverse.")

    class Meta:
        model = Municipality
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value)
                               | Q(ags__startswith=value))

    def filter_uses_software(self, queryset, name, value):
        usages = _visible_active_usages(self.request).filter(software__slug=value)
        return queryset.filter(pk__in=usages.values("municipality_id"))

    def filter_uses_category(self, queryset, name, value):
        usages = _visible_active_usages(self.request).filter(software__category__slug=value)
        return queryset.filter(pk__in=usages.values("municipality_id"))

    def filter_member_of(self, queryset, name, value):
        members = Membership.objects.filter(organization__slug=value,
                                            member_municipality__isnull=False)
        return queryset.filter(pk__in=members.values("member_municipality_id"))


class SoftwareFilter(df.FilterSet):
    search = df.CharFilter(method="filter_search", label="Name or alias (part).")
    category = df.CharFilter(field_name="category__slug", label="Category slug.")
    open_source = df.BooleanFilter(field_name="is_open_source", label="Open source or not.")
    vendor = df.CharFilter(field_name="vendor__slug", label="Slug of the vendor organisation.")
    used_in_state = df.CharFilter(method="filter_used_in_state",
                                  label="Länderschlüssel: actively used in this Land.")
    order_by = Ordering(fields=("name", "updated_at"), label="name, updatedAt.")

    class Meta:
        model = Software
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(aliases__icontains=value))

    def filter_used_in_state(self, queryset, name, value):
        usages = _visible_active_usages(self.request).filter(municipality__state__code=value)
        return queryset.filter(pk__in=usages.values("software_id"))


class UsageFilter(df.FilterSet):
    status = TypedFilter(input_type=graphene.List(graphene.NonNull(enums.UsageStatus)),
                         field_name="status", lookup_expr="in", label="Any of these statuses.")
    software = df.CharFilter(field_name="software__slug", label="Software slug.")
    municipality = df.CharFilter(field_name="municipality__ags", label="AGS of the municipality.")
    state = df.CharFilter(field_name="municipality__state__code", label="Länderschlüssel.")
    service = df.CharFilter(method="filter_service", label="LeiKa key or OZG id of a service.")
    changed_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte",
                                         label="Changed at or after (ISO 8601).")
    confirmed = df.BooleanFilter(field_name="is_confirmed",
                                 label="Confirmed by the municipality, or still proposed.")
    order_by = Ordering(fields=("updated_at", "created_at", "since"),
                                 label="updatedAt, createdAt, since.")

    class Meta:
        model = Usage
        fields: list[str] = []

    def filter_service(self, queryset, name, value):
        services = Service.objects.filter(Q(leika_key=value) | Q(ozg_id=value, kind="ozg"))
        return queryset.filter(pk__in=Usage.services.through.objects
                               .filter(service__in=services).values("usage_id"))


class OrganizationFilter(df.FilterSet):
    kind = TypedFilter(input_type=graphene.List(graphene.NonNull(enums.OrganizationKind)),
                       field_name="kind", lookup_expr="in", label="Any of these kinds.")
    search = df.CharFilter(method="filter_search", label="Name, alias or slug (part).")
    order_by = Ordering(fields=("name", "updated_at"), label="name, updatedAt.")

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(aliases__icontains=value)
                               | Q(slug__icontains=value))


class CollaborationFilter(df.FilterSet):
    topic = TypedFilter(input_type=graphene.List(graphene.NonNull(enums.CollaborationTopic)),
                        field_name="topic", lookup_expr="in", label="Any of these topics.")
    status = TypedFilter(input_type=graphene.List(graphene.NonNull(enums.CollaborationStatus)),
                         field_name="status", lookup_expr="in", label="Any of these statuses.")
    participant = df.CharFilter(method="filter_participant",
                                label="AGS of a municipality or slug of an organisation taking "
                                      "part (as lead or participant).")
    search = df.CharFilter(field_name="title", lookup_expr="icontains", label="Title (part).")
    order_by = Ordering(fields=("title", "start", "updated_at"),
                                 label="title, start, updatedAt.")

    class Meta:
        model = Collaboration
        fields: list[str] = []

    def filter_participant(self, queryset, name, value):
        through_m = Collaboration.municipalities.through.objects.filter(municipality__ags=value)
        through_o = Collaboration.organizations.through.objects.filter(organization__slug=value)
        return queryset.filter(Q(lead_municipality__ags=value) | Q(lead_organization__slug=value)
                               | Q(pk__in=through_m.values("collaboration_id"))
                               | Q(pk__in=through_o.values("collaboration_id")))


class ServiceFilter(df.FilterSet):
    kind = TypedFilter(input_type=enums.ServiceKind, field_name="kind", label="OZG or LEIKA.")
    search = df.CharFilter(method="filter_search", label="Name (part), LeiKa key or OZG id.")
    themenfeld = TypedFilter(input_type=graphene.Int, field_name="themenfeld__number",
                             label="Number of the OZG Themenfeld.")
    order_by = Ordering(fields=("name",), label="name.")

    class Meta:
        model = Service
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(leika_key=value) | Q(ozg_id=value))
