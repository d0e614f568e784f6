"""Reads of the hub domain with their prefetching and visibility rules, shared by the
API, the web UI and the commands so that what a person may see is decided in one place."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from hub import permissions
from hub.models import (
    Collaboration,
    Contact,
    Membership,
    Municipality,
    MunicipalityKind,
    Organization,
    Service,
    Software,
    SoftwareCategory,
    Usage,
    UsageStatus,
    Visibility,
)
from hub.permissions import User


def usage_visibility_q(user: User, prefix: str = "") -> Q:
    """Public usages for everyone; members-only ones for members and the municipality's
    editors. Vendors see public data only."""
    public = Q(**{f"{prefix}visibility": Visibility.PUBLIC})
    if permissions.is_member(user):
        return Q()
    if user.is_authenticated:
        own = permissions.edited_municipalities(user).values("pk")
        return public | Q(**{f"{prefix}municipality__in": own})
    return public


def usage_list(*, user: User, filters: dict | None = None) -> QuerySet[Usage]:
    filters = filters or {}
    qs = Usage.objects.filter(usage_visibility_q(user)).select_related(
        "municipality", "software", "software__category", "software__vendor", "operated_by",
        "successor",
    )
    if "status" in filters:
        qs = qs.filter(status__in=_as_list(filters["status"]))
    if "municipality" in filters:
        qs = qs.filter(municipality=filters["municipality"])
    if "software" in filters:
        qs = qs.filter(software=filters["software"])
    if "changed_since" in filters:
        qs = qs.filter(updated_at__gte=filters["changed_since"])
    return qs


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def municipality_list(*, filters: dict | None = None) -> QuerySet[Municipality]:
    filters = filters or {}
    qs = Municipality.objects.select_related("state", "parent")
    if q := filters.get("search"):
        qs = qs.filter(Q(name__icontains=q) | Q(ags__startswith=q))
    if state := filters.get("state"):
        qs = qs.filter(state__code=state)
    if kind := filters.get("kind"):
        qs = qs.filter(kind__in=_as_list(kind))
    return qs


def municipality_get(*, ags: str) -> Municipality | None:
    return Municipality.objects.select_related("state", "parent").filter(ags=ags).first()


def municipality_usages(*, user: User, municipality: Municipality) -> QuerySet[Usage]:
    return (usage_list(user=user, filters={"municipality": municipality})
            .prefetch_related("services")
            .order_by("software__category__position", "software__name"))


def municipality_contacts(*, user: User, municipality: Municipality) -> QuerySet[Contact]:
    """Personal data: members and the municipality's editors only."""
    if not (permissions.is_member(user) or permissions.can_edit_municipality(user, municipality)):
        return Contact.objects.none()
    return municipality.contacts.all()


def software_list(*, user: User, filters: dict | None = None) -> QuerySet[Software]:
    filters = filters or {}
    qs = Software.objects.select_related("category", "vendor")
    if category := filters.get("category"):
        qs = qs.filter(category__slug=category)
    if "open_source" in filters:
        qs = qs.filter(is_open_source=filters["open_source"])
    if q := filters.get("search"):
        qs = qs.filter(Q(name__icontains=q) | Q(aliases__icontains=q))
    return qs


def software_get(*, slug: str) -> Software | None:
    return Software.objects.select_related("category", "vendor").filter(slug=slug).first()


def software_top_by_category(*, user: User, per_category: int = 5) -> list[tuple[SoftwareCategory, list[Software]]]:
    """Most used products per category (active usages the user may see), for the start page."""
    visible = usage_visibility_q(user, prefix="usages__")
    active = Q(usages__status__in=[UsageStatus.PILOT, UsageStatus.PRODUCTION])
    ranked = (Software.objects.annotate(n_users=Count("usages", filter=visible & active))
              .filter(n_users__gt=0).select_related("category").order_by("-n_users", "name"))
    grouped: dict[int, list[Software]] = {}
    for software in ranked:
        bucket = grouped.setdefault(software.category_id, [])
        if len(bucket) < per_category:
            bucket.append(software)
    categories = SoftwareCategory.objects.filter(pk__in=grouped)
    return [(c, grouped[c.pk]) for c in categories]


def usage_stale_for_editor(*, user: User) -> QuerySet[Usage]:
    """Active usages of the user's municipalities not confirmed for 18 months, or never."""
    cutoff = timezone.now() - dt.timedelta(days=settings.USAGE_STALE_AFTER_DAYS)
    mine = permissions.edited_municipalities(user)
    return (Usage.objects.filter(municipality__in=mine).exclude(status=UsageStatus.RETIRED)
            .filter(Q(last_confirmed_at__lt=cutoff) | Q(is_confirmed=False))
            .select_related("municipality", "software"))


def usage_proposed_for_editor(*, user: User) -> QuerySet[Usage]:
    return (Usage.objects.filter(municipality__in=permissions.edited_municipalities(user),
                                 is_confirmed=False)
            .select_related("municipality", "software"))


def kreis_list() -> QuerySet[Municipality]:
    return Municipality.objects.filter(kind=MunicipalityKind.KREIS).select_related("state")


def organization_list(*, filters: dict | None = None) -> QuerySet[Organization]:
    filters = filters or {}
    qs = Organization.objects.all()
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    return qs


def service_get(*, leika_key: str | None = None, ozg_id: str | None = None) -> Service | None:
    qs = Service.objects.select_related("themenfeld", "ozg_service")
    if leika_key:
        return qs.filter(leika_key=leika_key).first()
    if ozg_id:
        return qs.filter(ozg_id=ozg_id, kind="ozg").first()
    return None


def hub_counts() -> dict[str, int]:
    return {
        "municipalities": Municipality.objects.exclude(kind=MunicipalityKind.KREIS).count(),
        "software": Software.objects.count(),
        "usages": Usage.objects.exclude(status=UsageStatus.RETIRED).count(),
        "services": Service.objects.count(),
    }


def municipality_with_usages_prefetch(user: User) -> Prefetch:
    return Prefetch("usages", queryset=usage_list(user=user))


def collaboration_visibility_q(user: User, prefix: str = "") -> Q:
    """Public collaborations for everyone, members-only ones for members (never vendors)."""
    if permissions.is_member(user):
        return Q()
    return Q(**{f"{prefix}visibility": Visibility.PUBLIC})


def collaboration_list(*, user: User) -> QuerySet[Collaboration]:
    return (Collaboration.objects.filter(collaboration_visibility_q(user))
            .select_related("lead_municipality", "lead_organization"))


def service_list() -> QuerySet[Service]:
    return Service.objects.select_related("themenfeld", "lebenslage", "ozg_service")


def membership_list() -> QuerySet[Membership]:
    return Membership.objects.select_related("organization", "member_municipality",
                                             "member_organization")


def contact_list() -> QuerySet[Contact]:
    """Contacts are listed for everyone; whether email and phone show is decided per
    viewer by permissions.can_see_contact_details."""
    return Contact.objects.select_related("municipality", "organization")
