"""Reads of the hub domain with their prefetching and visibility rules, shared by the
API, the web UI and the commands so that what a person may see is decided in one place."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
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
    """Most used products per category (active usages the user may see), for the start page.

    Counted on the usage table grouped by product id only (not joined to every product
    column), then the few winners are loaded: half the time at Germany scale."""
    visible = usage_visibility_q(user)
    counts = (Usage.objects.filter(visible, status__in=[UsageStatus.PILOT, UsageStatus.PRODUCTION])
              .order_by().values_list("software_id").annotate(n=Count("id")))
    n_users = dict(counts)
    products = (Software.objects.filter(pk__in=list(n_users)).only("id", "name", "slug", "category_id", "is_demo")
                .order_by("name"))
    ranked = sorted(products, key=lambda s: -n_users[s.pk])  # stable: ties stay by name
    grouped: dict[int, list[Software]] = {}
    for software in ranked:
        bucket = grouped.setdefault(software.category_id, [])
        if len(bucket) < per_category:
            software.n_users = n_users[software.pk]
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


def membership_list() -> QuerySet[Membership]:
    return Membership.objects.select_related("organization", "member_municipality",
                                             "member_organization")


def contact_list() -> QuerySet[Contact]:
    """Contacts are listed for everyone; whether email and phone show is decided per
    viewer by permissions.can_see_contact_details."""
    return Contact.objects.select_related("municipality", "organization")

# --- Reads for the web interface (pages of municipalities, software, services, search) ---

SEARCH_MIN_LENGTH = 2


def search_all(*, user: User, q: str, limit: int = 5) -> dict[str, list]:
    """One query per kind over municipalities, software, services and organisations; prefix
    matches first, then by size or name. The start page's live search and the search page
    both call this, so the ranking is the same whether JavaScript runs or not."""
    q = (q or "").strip()
    empty: dict[str, list] = {"municipalities": [], "software": [], "services": [],
                              "organizations": []}
    if len(q) < SEARCH_MIN_LENGTH:
        return empty
    prefix = Case(When(name__istartswith=q, then=Value(0)), default=Value(1))
    municipalities = (
        Municipality.objects.filter(Q(name__icontains=q) | Q(short_name__icontains=q)
                                    | Q(ags__startswith=q) | Q(postal_code__startswith=q))
        .select_related("state", "parent").annotate(rank=prefix)
        .order_by("rank", F("population").desc(nulls_last=True), "name")[:limit])
    software = (
        Software.objects.filter(Q(name__icontains=q) | Q(aliases__icontains=q)
                                | Q(vendor__name__icontains=q))
        .select_related("category", "vendor").annotate(rank=prefix).order_by("rank", "name")[:limit])
    services = (
        Service.objects.filter(Q(name__icontains=q) | Q(ozg_id=q) | Q(leika_key__startswith=q))
        .annotate(rank=prefix).order_by("rank", "kind", "name")[:limit])
    organizations = (
        Organization.objects.filter(Q(name__icontains=q) | Q(aliases__icontains=q) | Q(slug=q.lower()))
        .annotate(rank=prefix).order_by("rank", "name")[:limit])
    return {"municipalities": list(municipalities), "software": list(software),
            "services": list(services), "organizations": list(organizations)}


def municipality_memberships(*, municipality: Municipality) -> list[tuple[Membership, bool]]:
    """Memberships of the municipality and of its Kreis, as (membership, via_kreis): an IT
    provider serving the Kreis serves its municipalities too (see permissions)."""
    owners = [municipality.pk] + ([municipality.parent_id] if municipality.parent_id else [])
    rows = (Membership.objects.filter(member_municipality__in=owners)
            .select_related("organization").order_by("organization__kind", "organization__name"))
    return [(m, m.member_municipality_id != municipality.pk) for m in rows]


def municipality_collaborations(*, user: User, municipality: Municipality) -> QuerySet[Collaboration]:
    return (Collaboration.objects.filter(collaboration_visibility_q(user))
            .filter(Q(municipalities=municipality) | Q(lead_municipality=municipality))
            .distinct().select_related("lead_municipality", "lead_organization"))


def collaboration_get(*, user: User, slug: str) -> Collaboration | None:
    return (Collaboration.objects.filter(collaboration_visibility_q(user), slug=slug)
            .select_related("lead_municipality", "lead_organization")
            .prefetch_related("municipalities", "organizations", "software", "services").first())


def municipality_children(*, municipality: Municipality) -> QuerySet[Municipality]:
    return municipality.children.order_by("name").only("ags", "name", "short_name", "kind")


def software_usages(*, user: User, software: Software, state: str | None = None,
                    kreis: str | None = None) -> QuerySet[Usage]:
    """Who uses a product, ordered for the table grouped by Land and Kreis. `kreis` is the
    AGS of a Kreis, or "" for the municipalities without one (kreisfreie Städte, Kreise)."""
    qs = (usage_list(user=user, filters={"software": software})
          .select_related("municipality__state", "municipality__parent")
          .order_by("municipality__state__code", F("municipality__parent__name").asc(nulls_last=True),
                    "municipality__name", "pk"))
    if state:
        qs = qs.filter(municipality__state__code=state)
    if kreis == "":
        qs = qs.filter(municipality__parent__isnull=True)
    elif kreis:
        qs = qs.filter(municipality__parent__ags=kreis)
    return qs


def software_usage_count_by_kreis(*, user: User, software: Software, state: str) -> list[tuple[str | None, str | None, int]]:
    """(Kreis AGS, Kreis name, usages) in one Land; None for the municipalities without a
    Kreis. The index above a long table of one Land."""
    return list(usage_list(user=user, filters={"software": software}).order_by()
                .filter(municipality__state__code=state)
                .values_list("municipality__parent__ags", "municipality__parent__name")
                .annotate(n=Count("id"))
                .order_by(F("municipality__parent__name").asc(nulls_last=True)))


def software_usage_facts(*, user: User, software: Software) -> list[tuple]:
    """(status, satisfaction, state code, state name, ags, name, latitude, longitude) of
    every usage of a product the user may see: one pass over the rows, from which the page
    counts Länder, statuses and ratings and draws the map (four aggregates over the same
    thousands of rows cost four times as much)."""
    return list(usage_list(user=user, filters={"software": software}).order_by()
                .values_list("status", "satisfaction", "municipality__state__code",
                             "municipality__state__name", "municipality__ags",
                             "municipality__name", "municipality__latitude",
                             "municipality__longitude"))


def usage_status_counts(*, user: User, software: Software) -> dict[str, int]:
    rows = (usage_list(user=user, filters={"software": software}).order_by()
            .values_list("status").annotate(n=Count("id")))
    counts = dict.fromkeys(UsageStatus.values, 0)
    counts.update(dict(rows))
    return counts


def usage_satisfaction(*, user: User, software: Software) -> dict:
    """Average and distribution of the 1–5 ratings of active usages the user may see."""
    rows = (usage_list(user=user, filters={"software": software})
            .exclude(status=UsageStatus.RETIRED).filter(satisfaction__isnull=False).order_by()
            .values_list("satisfaction").annotate(n=Count("id")))
    distribution = dict.fromkeys(range(1, 6), 0)
    distribution.update(dict(rows))
    total = sum(distribution.values())
    average = sum(k * n for k, n in distribution.items()) / total if total else None
    return {"count": total, "average": average, "distribution": distribution}


def software_map_points(*, user: User, software: Software) -> list[tuple[str, str, float, float, str]]:
    """(ags, name, latitude, longitude, status) of every visible active usage with coordinates."""
    return list(usage_list(user=user, filters={"software": software})
                .exclude(status=UsageStatus.RETIRED)
                .filter(municipality__latitude__isnull=False, municipality__longitude__isnull=False)
                .order_by("municipality__ags")
                .values_list("municipality__ags", "municipality__name", "municipality__latitude",
                             "municipality__longitude", "status"))


def software_question_recipients(*, software: Software, exclude_email: str = "") -> list[tuple[Municipality, list[str]]]:
    """Addresses to ask about a product: per municipality with an active usage, the usage's
    own contact if it has an e-mail address, else every contact of the municipality. Usages of
    every visibility count: the addresses are never shown, only written to."""
    usages = (Usage.objects.filter(software=software).exclude(status=UsageStatus.RETIRED)
              .select_related("municipality", "contact")
              .prefetch_related(Prefetch("municipality__contacts",
                                         queryset=Contact.objects.exclude(email=""))))
    seen: set[str] = {exclude_email.lower()} if exclude_email else set()
    result: list[tuple[Municipality, list[str]]] = []
    for usage in usages.order_by("municipality__name"):
        if usage.contact and usage.contact.email:
            candidates = [usage.contact.email]
        else:
            candidates = [c.email for c in usage.municipality.contacts.all()]
        fresh = [e for e in candidates if e.lower() not in seen]
        seen.update(e.lower() for e in fresh)
        if fresh:
            result.append((usage.municipality, fresh))
    return result


def service_related_ids(*, service: Service) -> list[int]:
    """An OZG-Leistung is offered when it or one of its LeiKa-Leistungen is."""
    if service.kind == "ozg":
        return [service.pk, *service.leika_services.values_list("pk", flat=True)]
    return [service.pk]


def service_offers(*, user: User, service: Service) -> QuerySet[Usage]:
    """Usages (pilot or production) through which a municipality offers the service online."""
    return (usage_list(user=user)
            .filter(services__in=service_related_ids(service=service),
                    status__in=[UsageStatus.PILOT, UsageStatus.PRODUCTION])
            .select_related("municipality__state").distinct()
            .order_by("municipality__state__code", "municipality__name", "software__name"))


def service_list(*, filters: dict | None = None) -> QuerySet[Service]:
    filters = filters or {}
    """Services, optionally of one kind (the web lists OZG-Leistungen, the API all)."""
    qs = Service.objects.select_related("themenfeld", "lebenslage", "ozg_service")
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    if q := filters.get("search"):
        qs = qs.filter(Q(name__icontains=q) | Q(ozg_id=q) | Q(leika_key=q))
    if themenfeld := filters.get("themenfeld"):
        qs = qs.filter(themenfeld__number=themenfeld)
    return qs.order_by("themenfeld__number", "name")


def service_by_pk(*, pk: int) -> Service | None:
    return (Service.objects.select_related("themenfeld", "lebenslage", "ozg_service")
            .filter(pk=pk).first())


def organization_get(*, slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return (organization.memberships.select_related("member_municipality__state",
                                                    "member_organization")
            .order_by("role", "member_municipality__name", "member_organization__name"))


def municipality_compare(*, user: User, first: Municipality, second: Municipality) -> dict:
    """Side by side: products both use, products only one uses, and categories where they
    chose differently (the interesting case for an IT lead)."""
    def active(m: Municipality) -> dict[int, Usage]:
        rows = usage_list(user=user, filters={"municipality": m}).exclude(status=UsageStatus.RETIRED)
        return {u.software_id: u for u in rows.order_by("software__category__position", "software__name")}

    a, b = active(first), active(second)
    shared = [(a[k], b[k]) for k in a if k in b]
    only_a = [u for k, u in a.items() if k not in b]
    only_b = [u for k, u in b.items() if k not in a]
    categories: dict[int, tuple[SoftwareCategory, list[Usage], list[Usage]]] = {}
    for side, usages in ((1, only_a), (2, only_b)):
        for u in usages:
            entry = categories.setdefault(u.software.category_id, (u.software.category, [], []))
            entry[side].append(u)
    different = [entry for entry in categories.values() if entry[1] and entry[2]]
    return {"shared": shared, "only_first": only_a, "only_second": only_b,
            "count_first": len(a), "count_second": len(b),
            "different_choice": sorted(different, key=lambda e: (e[0].position, e[0].name))}


def municipality_resolve(*, text: str, limit: int = 10) -> list[Municipality]:
    """AGS or (part of a) name typed by a person: an exact AGS or an exact name wins,
    else the candidates, largest first."""
    text = (text or "").strip()
    if not text:
        return []
    qs = Municipality.objects.select_related("state", "parent")
    if exact := list(qs.filter(Q(ags=text) | Q(name__iexact=text) | Q(short_name__iexact=text))[:2]):
        if len(exact) == 1:
            return exact
    return list(qs.filter(Q(name__icontains=text) | Q(short_name__icontains=text))
                .order_by(F("population").desc(nulls_last=True), "name")[:limit])


def editor_municipalities(*, user: User) -> QuerySet[Municipality]:
    """The municipalities of the 'Meine Kommune' area: where the user is an editor."""
    return permissions.edited_municipalities(user).select_related("state").order_by("name")


def usage_editable(*, municipality: Municipality) -> QuerySet[Usage]:
    """Every usage of a municipality for its editors, whatever the visibility."""
    return (Usage.objects.filter(municipality=municipality)
            .select_related("software__category", "successor", "operated_by")
            .order_by("software__category__position", "software__name"))


def organization_contacts(*, user: User, organization: Organization) -> QuerySet[Contact]:
    """Personal data, like municipality contacts: members only."""
    if not permissions.is_member(user):
        return Contact.objects.none()
    return organization.contacts.all()


def software_usage_count_by_state(*, user: User, software: Software) -> list[tuple[str, str, int]]:
    """(state code, state name, usages) for the summary above a long 'who uses it' table."""
    return list(usage_list(user=user, filters={"software": software}).order_by()
                .values_list("municipality__state__code", "municipality__state__name")
                .annotate(n=Count("id")).order_by("municipality__state__code"))


def usage_proposed(*, municipality: Municipality) -> QuerySet[Usage]:
    """Entries by others (IT provider, moderation, imports) waiting for the municipality."""
    return (Usage.objects.filter(municipality=municipality, is_confirmed=False)
            .exclude(status=UsageStatus.RETIRED)
            .select_related("software__category", "created_by").order_by("software__name"))


def usage_stale(*, municipality: Municipality) -> QuerySet[Usage]:
    """Confirmed active usages nobody has confirmed for USAGE_STALE_AFTER_DAYS."""
    cutoff = timezone.now() - dt.timedelta(days=settings.USAGE_STALE_AFTER_DAYS)
    return (Usage.objects.filter(municipality=municipality, is_confirmed=True,
                                 last_confirmed_at__lt=cutoff)
            .exclude(status=UsageStatus.RETIRED)
            .select_related("software__category").order_by("last_confirmed_at"))


def hub_data_version() -> tuple | None:
    """Changes whenever a tracked record changes: the newest outbox event (id and time, as
    SQLite may reuse ids after a rollback). Caches of country-wide aggregates key on it, so
    they are never stale and need no second invalidation mechanism."""
    from hub.models import OutboxEvent

    return OutboxEvent.objects.order_by("-id").values_list("id", "created_at").first()
